"""The admin diagram's trace per call (issue 12 item 6): a process called from two call activities gets the marks
of each call on its own, not merged on one diagram."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webapp.engine import clock
from webapp.engine.outcome import RunContext
from webapp.engine.pack import build_pack
from webapp.engine.runtime import Engine
from webapp.engine.tracing import trace_processes

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')
MAIN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d_main" targetNamespace="t">
  <bpmn:process id="main" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call_a"/>
    <bpmn:callActivity id="call_a" name="First call" calledElement="child"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call_a" targetRef="call_b"/>
    <bpmn:callActivity id="call_b" name="Second call" calledElement="child"/>
    <bpmn:sequenceFlow id="f3" sourceRef="call_b" targetRef="done"/>
    <bpmn:endEvent id="done"/>
  </bpmn:process>
</bpmn:definitions>"""
CHILD = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d_child" targetNamespace="t">
  <bpmn:process id="child" isExecutable="true">
    <bpmn:startEvent id="child_start"/>
    <bpmn:sequenceFlow id="c1" sourceRef="child_start" targetRef="pause"/>
    <bpmn:intermediateCatchEvent id="pause" name="An hour">
      <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="c2" sourceRef="pause" targetRef="child_end"/>
    <bpmn:endEvent id="child_end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_process_called_twice_is_marked_per_call() -> None:
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    try:
        bundle = build_pack({"main.bpmn": MAIN.encode(), "child.bpmn": CHILD.encode()}, {}, set()).processes["main"]
        engine, ctx = Engine(), RunContext("1", "CL-1", "test")
        first = engine.start(bundle, {}, ctx)
        clock.advance(timedelta(hours=1, minutes=1))
        second = engine.fire_timers(bundle, first.state or "", ctx)
    finally:
        clock.reset()
    traces = trace_processes(bundle, second.state or "")
    assert set(traces.processes) == {"main", "main/call_a", "main/call_b"}
    assert {k: (c.parent, c.element, c.process) for k, c in traces.calls.items()} == {
        "main/call_a": ("main", "call_a", "child"), "main/call_b": ("main", "call_b", "child")}
    first_call, second_call = traces.processes["main/call_a"], traces.processes["main/call_b"]
    assert {"child_start", "pause", "child_end"} <= set(first_call.completed) and not first_call.waiting
    assert "pause" in second_call.waiting + second_call.current and "child_end" not in second_call.completed
    assert "call_a" in traces.processes["main"].completed


LOOP = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="d_loop" targetNamespace="t">
  <bpmn:process id="loop" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="l1" sourceRef="start" targetRef="count"/>
    <bpmn:scriptTask id="count" name="Count"><bpmn:script>runs = 0</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="l2" sourceRef="count" targetRef="call_a"/>
    <bpmn:callActivity id="call_a" name="Call" calledElement="child"/>
    <bpmn:sequenceFlow id="l3" sourceRef="call_a" targetRef="again"/>
    <bpmn:scriptTask id="again" name="Again"><bpmn:script>runs = runs + 1</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="l4" sourceRef="again" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" name="Twice?" default="l6"/>
    <bpmn:sequenceFlow id="l5" sourceRef="gw" targetRef="call_a">
      <bpmn:conditionExpression>runs &lt; 2</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="l6" sourceRef="gw" targetRef="done"/>
    <bpmn:endEvent id="done"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_call_activity_run_again_shows_its_newest_run() -> None:
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    try:
        bundle = build_pack({"loop.bpmn": LOOP.encode(), "child.bpmn": CHILD.encode()}, {}, set()).processes["loop"]
        engine, ctx = Engine(), RunContext("1", "CL-1", "test")
        first = engine.start(bundle, {}, ctx)
        clock.advance(timedelta(hours=1, minutes=1))
        second = engine.fire_timers(bundle, first.state or "", ctx)  # the first run ends, the loop calls again
    finally:
        clock.reset()
    assert second.status != "complete" and second.timers
    traces = trace_processes(bundle, second.state or "")
    assert set(traces.processes) == {"loop", "loop/call_a"}
    newest = traces.processes["loop/call_a"]
    assert "pause" in newest.waiting + newest.current and "child_end" not in newest.completed, newest
