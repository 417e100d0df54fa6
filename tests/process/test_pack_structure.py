"""The pack as files: diagram interchange for every element, handlers, forms, lanes, clocks (design.md checks)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from handlers.registry import registered_operations
from tests.process.harness import ROOT, pack

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "di": "http://www.omg.org/spec/DD/20100524/DI", "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
DIAGRAMS = sorted((ROOT / "processes").glob("*.bpmn"))
FORMS = sorted((ROOT / "forms").glob("*.json"))
FLOW_NODES = ("startEvent", "endEvent", "userTask", "serviceTask", "scriptTask", "businessRuleTask", "callActivity",
              "exclusiveGateway", "parallelGateway", "inclusiveGateway", "boundaryEvent", "intermediateThrowEvent",
              "intermediateCatchEvent")
GROUPS = {"customer_service", "tier_1_handler", "tier_2_handler", "tier_3_handler", "service_supervisor",
          "technical_supervisor", "general_manager", "crisis_team", "responsible_department", "department_head",
          "callback_staff", "sales", "process_owner", "admin", "integrated_management", "finance"}


def _xml(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def _lane_group(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def test_the_pack_deploys_with_every_process_of_the_readme():
    assert set(pack().processes) == {"complaint", "inquiry", "rescue", "new_failure", "grievance",
                                     "grievance_first_response", "grievance_handling", "grade_case", "assessment"}


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_flow_node_lane_and_participant_has_a_shape_and_every_flow_an_edge(path: Path):
    tree = _xml(path)
    shapes = {s.get("bpmnElement"): s for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    elements = [el for tag in FLOW_NODES for el in tree.iterfind(f".//bpmn:{tag}", NS)]
    elements += list(tree.iterfind(".//bpmn:lane", NS)) + list(tree.iterfind(".//bpmn:participant", NS))
    assert elements
    missing = [el.get("id") for el in elements if el.get("id") not in shapes]
    assert not missing, f"no BPMNShape for {missing}"
    for el in elements:
        bounds = shapes[el.get("id")].find("dc:Bounds", NS)
        assert bounds is not None and float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0
    flows = list(tree.iterfind(".//bpmn:sequenceFlow", NS))
    assert flows
    for flow in flows:
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"no BPMNEdge for {flow.get('id')}"
        assert len(edge.findall("di:waypoint", NS)) >= 2


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_layout_runs_left_to_right_with_lanes_as_horizontal_bands(path: Path):
    tree = _xml(path)
    shapes = {s.get("bpmnElement"): s.find("dc:Bounds", NS) for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    for lane in tree.iterfind(".//bpmn:lane", NS):
        band = shapes[lane.get("id")]
        top, bottom = float(band.get("y")), float(band.get("y")) + float(band.get("height"))
        assert float(band.get("width")) > float(band.get("height"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):  # each node is drawn inside its lane's band
            b = shapes[ref.text]
            cy = float(b.get("y")) + float(b.get("height")) / 2
            assert top <= cy <= bottom, f"{ref.text} drawn outside lane {lane.get('name')}"
    for process in tree.iterfind(".//bpmn:process", NS):
        start = process.find("bpmn:startEvent", NS)
        ends = process.findall("bpmn:endEvent", NS)
        assert all(float(shapes[e.get("id")].get("x")) > float(shapes[start.get("id")].get("x")) for e in ends)


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_user_task_sits_in_a_lane_of_a_canonical_group_and_names_an_existing_form(path: Path):
    tree = _xml(path)
    lane_of = {ref.text: lane.get("name") for lane in tree.iterfind(".//bpmn:lane", NS)
               for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    for task in tree.iterfind(".//bpmn:userTask", NS):
        assert _lane_group(lane_of[task.get("id")]) in GROUPS, task.get("id")
        props = {p.get("name"): p.get("value") for p in task.iterfind(".//spiff:property", NS)}
        assert (ROOT / "forms" / props["formJsonSchemaFilename"]).is_file(), props
        assert set(props) <= {"formJsonSchemaFilename", "assignGroup", "dueIn", "clock"}, props


def test_every_service_task_operation_has_a_registered_handler():
    ops = {el.get("id") for path in DIAGRAMS for el in _xml(path).iterfind(".//spiff:serviceTaskOperator", NS)}
    assert ops and ops <= registered_operations(), ops - registered_operations()


def test_every_decision_a_diagram_calls_exists():
    called = {el.text for path in DIAGRAMS for el in _xml(path).iterfind(".//spiff:calledDecisionId", NS)}
    defined = {el.get("id") for p in (ROOT / "processes").glob("*.dmn") for el in _xml(p).iter()
               if isinstance(el.tag, str) and el.tag.endswith("}decision")}
    assert called == defined == {"grade_decision", "tier_decision", "approval_decision", "resolution_deadline"}


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_every_form_is_a_bilingual_json_schema(path: Path):
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)

    def bilingual(node: dict, where: str) -> None:
        for key in ("title", "x-title-zh", "description", "x-description-zh"):
            assert node.get(key), f"{path.name} {where}: no {key}"
        for name, prop in (node.get("properties") or {}).items():
            bilingual(prop, f"{where}.{name}")
        for choices in (node, node.get("items") or {}):
            if "enum" in choices and choices is not schema:
                for key in ("x-enum-titles", "x-enum-titles-zh"):
                    assert len(choices.get(key, [])) == len(choices["enum"]), f"{path.name} {where}: {key}"

    bilingual(schema, "")
    assert set(schema["required"]) <= set(schema["properties"])


def test_every_form_is_used_by_a_diagram():
    used = {p.get("value") for path in DIAGRAMS for p in _xml(path).iterfind(".//spiff:property", NS)
            if p.get("name") == "formJsonSchemaFilename"}
    assert used == {p.name for p in FORMS}


def test_T1_T3_T4_T5_each_clock_and_its_boundary_timer_use_the_same_duration():
    """A process owner changing an SLA edits the clock and the timer next to it; this keeps them equal."""
    starts, business = {}, {}  # a clock may start in a caller (grievance) and be guarded in a called process
    for path in DIAGRAMS:
        for op in _xml(path).iterfind(".//spiff:serviceTaskOperator[@id='clock_start']", NS):
            params = {p.get("id"): p.get("value") for p in op.iterfind(".//spiff:parameter", NS)}
            if "duration" not in params:  # a clock due at a moment (promised-reply: `due`), no timer beside it
                continue
            starts[params["name"].strip("'\"")] = params["duration"]
            business[params["name"].strip("'\"")] = params.get("business_time") == "True"
    for path in DIAGRAMS:
        tree = _xml(path)
        clocked = {}
        for task in tree.iterfind(".//bpmn:userTask", NS):
            props = {p.get("name"): p.get("value") for p in task.iterfind(".//spiff:property", NS)}
            if "clock" in props:
                clocked[task.get("id")] = props["clock"]
        clocked["first_response"] = "T5-first-response"  # the T5 timer sits on the call of the first response
        checked = 0
        for timer in tree.iterfind(".//bpmn:boundaryEvent", NS):
            host = timer.get("attachedToRef")
            duration = timer.find(".//bpmn:timeDuration", NS)
            date = timer.find(".//bpmn:timeDate", NS)  # sla_due('EOD', True): the clock's own calendar arithmetic
            if host in clocked and clocked[host] in starts and duration is not None:
                assert duration.text == starts[clocked[host]].replace("'", '"'), (path.name, host)
                assert not business[clocked[host]], (path.name, host, "a business-time clock needs sla_due()")
                checked += 1
            elif host in clocked and clocked[host] in starts and date is not None:
                name = clocked[host]
                assert date.text == f"sla_due({starts[name]}, {business[name]})", (path.name, host)
                checked += 1
        expected = {"inquiry.bpmn": 3, "rescue.bpmn": 2, "new_failure.bpmn": 2, "grievance_handling.bpmn": 1}
        assert checked == expected.get(path.name, 0), path.name
