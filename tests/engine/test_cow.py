"""Copy-on-write task data (webapp/engine/cow.py): tasks share their parent's nested values, yet no task's code
(a script, an expression, a service handler, a multi-instance task's output) changes another task's data."""

from __future__ import annotations

from typing import Any

from webapp.engine.outcome import RunContext
from webapp.engine.pack import build_pack
from webapp.engine.runtime import Engine
from webapp.engine.serializer import load_state

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="t">
  <bpmn:process id="cow" isExecutable="true">
    <bpmn:laneSet id="top"><bpmn:lane id="l1" name="Tier 1 handler"><bpmn:flowNodeRef>look</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="make"/>
    <bpmn:scriptTask id="make"><bpmn:script>items = [1]
info = {"n": 1, "deep": {"k": [1]}}
outs = []</bpmn:script></bpmn:scriptTask>
"""
_TAIL = """
    <bpmn:userTask id="look" name="Look"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="f.json"/></spiffworkflow:properties>
    </bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f9" sourceRef="look" targetRef="done"/>
    <bpmn:endEvent id="done"/>
  </bpmn:process>
</bpmn:definitions>"""

PARALLEL = _HEAD + """
    <bpmn:sequenceFlow id="f1" sourceRef="make" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="script"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="call"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="gw"/>
    <bpmn:scriptTask id="script"><bpmn:script>items.append(2)
info["deep"]["k"].append(2)</bpmn:script></bpmn:scriptTask>
    <bpmn:serviceTask id="call"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="touch"><spiffworkflow:parameters>
        <spiffworkflow:parameter id="deep" type="any" value="info['deep']"/>
      </spiffworkflow:parameters></spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:exclusiveGateway id="gw" default="f7"/>
    <bpmn:sequenceFlow id="f6" sourceRef="gw" targetRef="join">
      <bpmn:conditionExpression>info["deep"].setdefault("g", [5]).append(6) or False</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f7" sourceRef="gw" targetRef="join"/>
    <bpmn:sequenceFlow id="f5" sourceRef="script" targetRef="join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="call" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f10" sourceRef="join" targetRef="look"/>""" + _TAIL

MULTI = _HEAD + """
    <bpmn:sequenceFlow id="f1" sourceRef="make" targetRef="each"/>
    <bpmn:scriptTask id="each">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopDataInputRef>items</bpmn:loopDataInputRef><bpmn:loopDataOutputRef>outs</bpmn:loopDataOutputRef>
        <bpmn:inputDataItem id="i"/><bpmn:outputDataItem id="o"/>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>o = i * 10</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f10" sourceRef="each" targetRef="look"/>""" + _TAIL

MADE = {"items": [1], "info": {"n": 1, "deep": {"k": [1]}}, "outs": []}


def _run(xml: str, more: dict[str, bytes] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Start the diagram; the data of each element's tasks as the saved state holds it (what Spiff's own deep
    copies give: the same as before copy-on-write)."""

    def invoke(hctx: Any, operation: str, params: dict[str, Any]) -> Any:
        hctx.data["items"].append(3)  # a handler changing the data, and a parameter, in place
        hctx.data["info"]["n"] = 3
        params["deep"]["k"].append(3)
        return None

    files = {"cow.bpmn": xml.encode(), **(more or {})}
    bundle = build_pack(files, {"f.json": b'{"type": "object"}'}, {"touch"}).processes["cow"]
    outcome = Engine(invoke).start(bundle, {"case": {"no": "CL-1"}}, RunContext("", "CL-1", "agent"))
    assert outcome.status == "user_input", outcome.error
    wf = load_state(outcome.state or b"", bundle.spec, bundle.subprocess_specs)
    found: dict[str, list[dict[str, Any]]] = {}
    for task in wf.get_tasks():
        if task.task_spec.bpmn_id and task.data:
            found.setdefault(task.task_spec.bpmn_id, []).append(
                {k: v for k, v in task.data.items() if k not in ("case", "spiff__call_result")})
    return found


def test_code_in_one_branch_changes_only_its_own_task_s_data() -> None:
    data = _run(PARALLEL)
    assert data["make"] == data["split"] == [MADE]
    assert data["script"] == [{**MADE, "items": [1, 2], "info": {"n": 1, "deep": {"k": [1, 2]}}}]
    assert data["call"] == [{**MADE, "items": [1, 3], "info": {"n": 3, "deep": {"k": [1, 3]}}}]
    gateway = {**MADE, "info": {"n": 1, "deep": {"k": [1], "g": [5, 6]}}}
    assert data["gw"] == [gateway]
    assert data["join"] == data["look"] == [gateway]  # Spiff's parallel join takes the last branch's data


def test_a_multi_instance_task_fills_its_own_output_collection() -> None:
    data = _run(MULTI)
    assert data["make"] == [MADE]
    assert data["each"] == [{**MADE, "outs": [10]}, {**MADE, "i": 1, "o": 10}]  # the task, then its one instance
    assert data["look"] == [{**MADE, "outs": [10]}]


SUBPROCESSES = _HEAD + """
    <bpmn:sequenceFlow id="f1" sourceRef="make" targetRef="sub"/>
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="s_start"/>
      <bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="inner"/>
      <bpmn:scriptTask id="inner"><bpmn:script>items.append(2)
info["deep"]["k"].append(2)</bpmn:script></bpmn:scriptTask>
      <bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="s_end"/>
      <bpmn:endEvent id="s_end"/>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="after_sub"/>
    <bpmn:scriptTask id="after_sub"><bpmn:script>items.append(4)
info["deep"]["k"].append(4)</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="after_sub" targetRef="callit"/>
    <bpmn:callActivity id="callit" calledElement="callee"/>
    <bpmn:sequenceFlow id="f4" sourceRef="callit" targetRef="after_call"/>
    <bpmn:scriptTask id="after_call"><bpmn:script>items.append(6)</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f10" sourceRef="after_call" targetRef="look"/>""" + _TAIL

CALLEE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="C" targetNamespace="t">
  <bpmn:process id="callee" isExecutable="true">
    <bpmn:startEvent id="c_start"/>
    <bpmn:sequenceFlow id="c1" sourceRef="c_start" targetRef="c_script"/>
    <bpmn:scriptTask id="c_script"><bpmn:script>items.append(5)
info["deep"]["k"].append(5)</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="c2" sourceRef="c_script" targetRef="c_end"/>
    <bpmn:endEvent id="c_end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_sub_processes_share_data_on_the_way_in_and_out_yet_change_only_their_own() -> None:
    data = _run(SUBPROCESSES, {"callee.bpmn": CALLEE.encode()})
    two = {**MADE, "items": [1, 2], "info": {"n": 1, "deep": {"k": [1, 2]}}}
    four = {**MADE, "items": [1, 2, 4], "info": {"n": 1, "deep": {"k": [1, 2, 4]}}}
    five = {**MADE, "items": [1, 2, 4, 5], "info": {"n": 1, "deep": {"k": [1, 2, 4, 5]}}}
    assert data["make"] == [MADE]
    assert data["s_start"] == [MADE]  # the embedded sub-process starts from the task's data ...
    assert data["inner"] == data["s_end"] == [two]  # ... changes only its own ...
    assert data["sub"] == [two]  # ... and the task takes back what it ended with
    assert data["after_sub"] == [four] and data["s_end"] == [two]  # a later change stays there
    assert data["c_start"] == [four] and data["c_script"] == data["c_end"] == [five]
    assert data["callit"] == [five]
    assert data["after_call"] == data["look"] == [{**five, "items": [1, 2, 4, 5, 6]}]
