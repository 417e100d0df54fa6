"""Tasks inside an embedded sub-process (a step of the handling): worklist rows, lanes, a boundary timer on a task
inside the step, and the way out through a named end and a gateway after the step (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from webapp.engine import clock
from webapp.engine.outcome import RunContext
from webapp.engine.pack import build_pack
from webapp.engine.runtime import Engine

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FORM = """<bpmn:extensionElements><spiffworkflow:properties>
<spiffworkflow:property name="formJsonSchemaFilename" value="f.json"/></spiffworkflow:properties>
</bpmn:extensionElements>"""
XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="t">
  <bpmn:process id="stepped" isExecutable="true">
    <bpmn:laneSet id="top"><bpmn:lane id="l1" name="Tier 1 handler"><bpmn:flowNodeRef>redo</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step"/>
    <bpmn:subProcess id="step" name="Solution (step 4)">
      <bpmn:laneSet id="ls"><bpmn:lane id="l2" name="Tier 2 handler"><bpmn:flowNodeRef>approve</bpmn:flowNodeRef>
      </bpmn:lane></bpmn:laneSet>
      <bpmn:startEvent id="step_start"/>
      <bpmn:sequenceFlow id="s1" sourceRef="step_start" targetRef="approve"/>
      <bpmn:userTask id="approve" name="Approve">%s</bpmn:userTask>
      <bpmn:boundaryEvent id="approve_due" attachedToRef="approve">
        <bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>
      </bpmn:boundaryEvent>
      <bpmn:sequenceFlow id="s2" sourceRef="approve" targetRef="approved"/>
      <bpmn:endEvent id="approved" name="Approved"/>
      <bpmn:sequenceFlow id="s3" sourceRef="approve_due" targetRef="late"/>
      <bpmn:scriptTask id="late"><bpmn:script>late = True</bpmn:script></bpmn:scriptTask>
      <bpmn:sequenceFlow id="s4" sourceRef="late" targetRef="too_late"/>
      <bpmn:endEvent id="too_late" name="Too late"/>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" name="In time?" default="f4"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="done"><bpmn:conditionExpression>late</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="redo"/>
    <bpmn:userTask id="redo" name="Redo">%s</bpmn:userTask>
    <bpmn:sequenceFlow id="f5" sourceRef="redo" targetRef="done"/>
    <bpmn:endEvent id="done"/>
  </bpmn:process>
</bpmn:definitions>""" % ((FORM,) * 2)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """The clock stopped at T0."""
    clock.freeze(T0)
    yield
    clock.reset()


def test_a_task_inside_a_step_is_listed_in_its_lane_and_its_timer_leads_out_through_a_named_end() -> None:
    bundle = build_pack({"stepped.bpmn": XML.encode()}, {"f.json": b'{"type": "object"}'}, set()).processes["stepped"]
    engine, ctx = Engine(), RunContext("1", "CL-1", "agent")
    started = engine.start(bundle, {"late": False}, ctx)
    [task] = started.human_tasks
    assert (task.spec_id, task.group, task.process_key) == ("approve", "tier_2_handler", "stepped")
    assert [(t.spec_id, t.due_at) for t in started.timers] == [("approve_due", T0 + timedelta(hours=1))]
    clock.advance(timedelta(hours=1, seconds=1))
    fired = engine.fire_timers(bundle, started.state or b"", ctx)
    assert fired.error is None and [t.spec_id for t in fired.human_tasks] == [] and fired.status == "complete"
    assert fired.data["late"] is True  # the step's data came out to the gateway after it
    on_time = engine.complete(bundle, started.state or b"", task.task_id, {}, ctx)
    assert [t.spec_id for t in on_time.human_tasks] == ["redo"] and on_time.timers == []
