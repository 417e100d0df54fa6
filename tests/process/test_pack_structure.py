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
from webapp.engine.pack import DeployError, build_pack, read_dir

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "di": "http://www.omg.org/spec/DD/20100524/DI", "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
DIAGRAMS = sorted((ROOT / "processes").glob("*.bpmn"))
VOCABULARIES = ROOT / "forms" / "vocabularies.json"  # shared choice lists, resolved into the forms on deploy
FORMS = sorted(p for p in (ROOT / "forms").glob("*.json") if p != VOCABULARIES)
FLOW_NODES = ("startEvent", "endEvent", "userTask", "serviceTask", "scriptTask", "businessRuleTask", "callActivity",
              "subProcess", "exclusiveGateway", "parallelGateway", "inclusiveGateway", "boundaryEvent",
              "intermediateThrowEvent", "intermediateCatchEvent")
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
    for process in [*tree.iterfind(".//bpmn:process", NS), *tree.iterfind(".//bpmn:subProcess", NS)]:
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
    schema = pack().forms[path.name]  # as deployed: shared vocabularies resolved
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


def test_the_case_facts_vocabularies_are_stated_once_and_shared_by_the_forms_that_ask_for_them():
    """G1/G2 facts (media exposure, lawsuit, behaviour) are asked in pre-judgement and both fact-finding forms."""
    shared = json.loads(VOCABULARIES.read_text())["$defs"]
    assert set(shared) == {"media_exposure", "lawsuit", "behaviour"}
    for name in ("prejudgement.json", "fact_finding.json", "internal_facts.json"):
        written = json.loads((ROOT / "forms" / name).read_text())["properties"]["facts"]["properties"]
        deployed = pack().forms[name]["properties"]["facts"]["properties"]
        for key, vocabulary in shared.items():
            assert written[key]["$ref"] == f"vocabularies.json#/$defs/{key}" and "enum" not in written[key]
            assert {k: deployed[key][k] for k in vocabulary} == vocabulary, (name, key)
            assert deployed[key]["title"] == written[key]["title"]  # the form's own keys stay


def test_a_reference_to_a_missing_vocabulary_is_refused():
    files, forms = read_dir(ROOT / "processes", ROOT / "forms")
    forms["lawsuit_typo.json"] = json.dumps({"type": "object", "title": "x", "properties": {
        "lawsuit": {"$ref": "vocabularies.json#/$defs/lawsiut"}}}).encode()
    with pytest.raises(DeployError) as refused:
        build_pack(files, forms, registered_operations())
    assert [(p.file, p.message) for p in refused.value.problems] == [(
        "lawsuit_typo.json", "$ref 'vocabularies.json#/$defs/lawsiut' finds no definition: add 'lawsiut' to the "
        "$defs of vocabularies.json or correct the name")]


def test_every_form_is_used_by_a_diagram():
    used = {p.get("value") for path in DIAGRAMS for p in _xml(path).iterfind(".//spiff:property", NS)
            if p.get("name") == "formJsonSchemaFilename"}
    assert used == {p.name for p in FORMS}


def test_T1_T3_T4_T5_each_deadline_is_stated_once_by_its_clock_start():
    """A process owner changing an SLA edits the clock_start's duration only: the boundary timer on the task that
    runs on the clock reads it (clock_due), the miss record takes its duration from it (no duration parameter)."""
    starts = set()  # a clock may start in a caller (grievance) and be guarded in a called process
    for path in DIAGRAMS:
        for op in _xml(path).iterfind(".//spiff:serviceTaskOperator[@id='clock_start']", NS):
            params = {p.get("id"): p.get("value") for p in op.iterfind(".//spiff:parameter", NS)}
            if "duration" not in params:  # a clock due at a moment (promised-reply: `due`), no timer beside it
                continue
            starts.add(params["name"].strip("'\""))
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
            if host in clocked and clocked[host] in starts:
                assert timer.find(".//bpmn:timeDuration", NS) is None, (path.name, host)
                assert timer.find(".//bpmn:timeDate", NS).text == f"clock_due('{clocked[host]}')", (path.name, host)
                checked += 1
        expected = {"inquiry.bpmn": 3, "rescue.bpmn": 2, "new_failure.bpmn": 2, "grievance_handling.bpmn": 1}
        assert checked == expected.get(path.name, 0), path.name
        for op in tree.iterfind(".//spiff:serviceTaskOperator[@id='deadline_missed']", NS):
            params = {p.get("id"): p.get("value") for p in op.iterfind(".//spiff:parameter", NS)}
            if params["clock"].strip("'\"") in starts:
                assert "duration" not in params, (path.name, params["clock"])


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_deciding_gateway_is_named_as_a_question(path: Path):
    """BPMN Method and Style: a gateway that splits on a condition is labelled with its question ("Approved?");
    merges and parallel splits/joins need no label (the flows say it)."""
    for kind in ("exclusiveGateway", "inclusiveGateway"):
        for gateway in _xml(path).iterfind(f".//bpmn:{kind}", NS):
            if len(gateway.findall("bpmn:outgoing", NS)) > 1:
                assert "?" in (gateway.get("name") or ""), (path.name, gateway.get("id"), gateway.get("name"))


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_no_two_labels_of_a_diagram_overlap(path: Path):
    """What an owner reads in the modeler: every element's and flow's label stands on its own (in each diagram
    plane: the top level and each sub-process drilled into)."""
    for plane in _xml(path).iterfind(".//bpmndi:BPMNPlane", NS):
        labels = []
        for di in plane.iterfind(".//bpmndi:BPMNLabel/dc:Bounds", NS):
            labels.append((di.getparent().getparent().get("bpmnElement"),
                           *(float(di.get(k)) for k in ("x", "y", "width", "height"))))
        for i, (a, ax, ay, aw, ah) in enumerate(labels):
            for b, bx, by, bw, bh in labels[i + 1:]:
                assert not (ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah), (path.name, a, b)


def _plane_of(tree: etree._ElementTree, element: str) -> etree._Element:
    return next(p for p in tree.iterfind(".//bpmndi:BPMNPlane", NS) if p.get("bpmnElement") == element)


def test_grievance_handling_reads_as_the_six_steps_each_a_sub_process_with_its_own_diagram():
    """Issue 12: the owner sees the steps in a row at the top level and drills into each (bpmn-js drill-down
    needs a plane per collapsed sub-process); the people's tasks all live inside a step."""
    tree = _xml(ROOT / "processes" / "grievance_handling.bpmn")
    process = tree.find("bpmn:process", NS)
    steps = process.findall("bpmn:subProcess", NS)
    assert [s.get("id") for s in steps] == ["step_facts", "step_responsibility", "step_solution", "step_execution",
                                            "step_review", "step_follow_up"]
    assert process.find("bpmn:userTask", NS) is None
    shapes = {s.get("bpmnElement"): s for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    xs = [float(shapes[s.get("id")].find("dc:Bounds", NS).get("x")) for s in steps]
    assert xs == sorted(xs)
    for step in steps:
        assert shapes[step.get("id")].get("isExpanded") == "false"
        plane = _plane_of(tree, step.get("id"))
        inside = {el.get("id") for el in step if el.get("id")} - {step.find("bpmn:laneSet", NS).get("id")}
        drawn = {el.get("bpmnElement") for el in plane}
        assert inside <= drawn, inside - drawn
        assert len(step.findall("bpmn:startEvent", NS)) == 1


def test_grievance_handling_names_every_gateway_and_keeps_top_level_back_edges_short():
    """Every gateway of the handling has a name (merges say where the flow goes on), and no flow drawn at the top
    level runs back more than 1,500 px (a step that sends the case back ends on a named end, a gateway after it
    decides)."""
    tree = _xml(ROOT / "processes" / "grievance_handling.bpmn")
    for gateway in tree.iterfind(".//bpmn:exclusiveGateway", NS):
        assert gateway.get("name"), gateway.get("id")
    for end in tree.iterfind(".//bpmn:endEvent", NS):
        assert end.get("name"), end.get("id")
    top = _plane_of(tree, "Collaboration_grievance_handling")
    for edge in top.iterfind("bpmndi:BPMNEdge", NS):
        pts = [(float(w.get("x")), float(w.get("y"))) for w in edge.iterfind("di:waypoint", NS)]
        length = sum(abs(x1 - x0) + abs(y1 - y0) for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False))
        if pts[-1][0] < pts[0][0]:
            assert length <= 1500, (edge.get("bpmnElement"), length)
