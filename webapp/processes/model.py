"""A light read of BPMN/DMN files for checks and diffs: elements with ids, names, expressions and extensions."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from webapp.engine.xmlsafe import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NODE_TAGS = {
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask", "receiveTask",
    "callActivity", "subProcess", "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
}
TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")


@dataclass
class Element:
    """One BPMN flow element (or sequence flow) with what the checks and the diff look at."""

    file: str
    id: str
    tag: str
    name: str
    scope: str  # id of the process or sub-process that contains it
    attrs: dict[str, str] = field(default_factory=dict)
    props: dict[str, str] = field(default_factory=dict)  # spiffworkflow:property name -> value
    operator: str | None = None
    params: dict[str, str] = field(default_factory=dict)  # service-task parameter id -> expression
    scripts: dict[str, str] = field(default_factory=dict)  # script / preScript / postScript / condition
    timer: tuple[str, str] | None = None  # (timeDuration|timeDate|timeCycle, expression)
    lane: str | None = None
    decision: str | None = None  # spiffworkflow:calledDecisionId


@dataclass
class Decision:
    """One DMN decision table, each rule as its input and output texts."""

    file: str
    id: str
    name: str
    rules: dict[str, list[str]] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)  # output names, the last cells of each rule


@dataclass
class FileModel:
    """Everything read from one file."""

    name: str
    elements: dict[str, Element] = field(default_factory=dict)
    processes: dict[str, str] = field(default_factory=dict)  # process id -> name
    decisions: dict[str, Decision] = field(default_factory=dict)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(el: etree._Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def read_model(name: str, raw: bytes) -> FileModel:
    """Read one .bpmn or .dmn file (raises ValueError when it does not parse)."""
    root = parse_xml(raw, name)
    model = FileModel(name)
    if name.endswith(".dmn"):
        _read_dmn(root, model)
        return model
    for process in root.iter(f"{{{BPMN}}}process"):
        model.processes[process.get("id", "")] = process.get("name") or process.get("id", "")
        _read_scope(process, model, _lanes(process))
    return model


def _lanes(process: etree._Element) -> dict[str, str]:
    lanes: dict[str, str] = {}
    for lane in process.iter(f"{{{BPMN}}}lane"):
        for ref in lane.iter(f"{{{BPMN}}}flowNodeRef"):
            lanes[_text(ref)] = lane.get("name") or lane.get("id", "")
    return lanes


def _read_scope(scope: etree._Element, model: FileModel, lanes: dict[str, str]) -> None:
    scope_id = scope.get("id", "")
    for child in scope:
        tag = _local(child.tag)
        if tag in NODE_TAGS or tag == "sequenceFlow":
            element = _element(child, tag, model.name, scope_id, lanes)
            model.elements[element.id] = element
            if tag == "subProcess":
                _read_scope(child, model, lanes)


def _element(el: etree._Element, tag: str, file: str, scope: str, lanes: dict[str, str]) -> Element:
    ident = el.get("id", "")
    attrs = {k: v for k, v in el.attrib.items() if isinstance(k, str) and not k.startswith("{")}
    element = Element(file, ident, tag, el.get("name") or "", scope, attrs, lane=lanes.get(ident))
    for prop in el.iter(f"{{{SPIFF}}}property"):
        element.props[prop.get("name", "")] = prop.get("value", "")
    operator = el.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}serviceTaskOperator")
    if operator is not None:
        element.operator = operator.get("id", "")
        for param in operator.iter(f"{{{SPIFF}}}parameter"):
            element.params[param.get("id", "")] = param.get("value", "")
    for kind in ("preScript", "postScript"):
        found = el.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}{kind}")
        if found is not None and _text(found):
            element.scripts[kind] = _text(found)
    if tag == "scriptTask" and _text(el.find(f"{{{BPMN}}}script")):
        element.scripts["script"] = _text(el.find(f"{{{BPMN}}}script"))
    condition = el.find(f"{{{BPMN}}}conditionExpression")
    if condition is not None and _text(condition):
        element.scripts["condition"] = _text(condition)
    timer = el.find(f"{{{BPMN}}}timerEventDefinition")
    if timer is not None:
        for kind in TIMER_KINDS:
            found = timer.find(f"{{{BPMN}}}{kind}")
            if found is not None:
                element.timer = (kind, _text(found))
    decision = el.find(f"{{{BPMN}}}extensionElements/{{{SPIFF}}}calledDecisionId")
    if decision is not None:
        element.decision = _text(decision)
    return element


def _read_dmn(root: etree._Element, model: FileModel) -> None:
    for decision in root.iter():
        if _local(decision.tag) != "decision":
            continue
        found = Decision(model.name, decision.get("id", ""), decision.get("name") or "")
        found.outputs = [o.get("name") or "" for o in decision.iter() if _local(o.tag) == "output"]
        for rule in decision.iter():
            if _local(rule.tag) == "rule":
                cells = [_text(c.find("{*}text")) for c in rule if _local(c.tag) in ("inputEntry", "outputEntry")]
                found.rules[rule.get("id", "")] = cells
        model.decisions[found.id] = found


def read_models(files: dict[str, bytes]) -> tuple[dict[str, FileModel], dict[str, str]]:
    """Read every file; returns the models and, per file that does not parse, the reason."""
    models: dict[str, FileModel] = {}
    broken: dict[str, str] = {}
    for name, raw in sorted(files.items()):
        try:
            models[name] = read_model(name, raw)
        except ValueError as exc:
            broken[name] = str(exc)
    return models, broken
