"""The BPMN XML of a process version for bpmn-js, with a generated layout when the file has none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from webapp.engine.tracing import ProcessTraces
from webapp.engine.xmlsafe import parse_xml
from webapp.models import ProcessDefinition

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SKIP = {"sequenceFlow", "laneSet", "dataObject", "dataObjectReference", "dataStoreReference", "textAnnotation",
        "association", "extensionElements", "documentation", "ioSpecification", "property"}
COL, ROW, X0, Y0 = 170, 130, 60, 60


@dataclass
class Box:
    """A laid-out shape."""

    x: float
    y: float
    w: float
    h: float


def process_xml(definition: ProcessDefinition, key: str | None = None) -> str:
    """The diagram file that holds the process (or a process it calls, `key`), with DI generated if the file has
    no layout for it."""
    key = key or definition.key
    for name, text in sorted(definition.files.items()):
        if not name.endswith(".bpmn"):
            continue
        root = parse_xml(text.encode(), name)
        process = next((p for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == key), None)
        if process is None:
            continue
        if _has_layout(root, process):
            return str(text)
        return add_layout(root, process)
    raise LookupError(f"no diagram file of version {definition.version} holds process '{key}'")


def traces_json(definition: ProcessDefinition, traces: ProcessTraces) -> dict[str, Any]:
    """Per diagram (the top process, then one per call activity reached, keyed by its path): the marks for bpmn-js
    (flows resolved to sequence-flow ids, errors on the element and on each call activity leading to it), and
    for each called diagram its call activity and process."""
    path = traces.errored_path()
    errored = {path[0][0]: [path[0][1]]} if path else {}
    inside: dict[str, list[str]] = {}
    for key, element in path[1:]:
        inside.setdefault(key, []).append(element)
    process = {key: site.process for key, site in traces.calls.items()}
    for key, element in path:  # the embedded sub-processes around each: red on the level above a drill-down
        inside.setdefault(key, []).extend(_enclosing(definition, process.get(key), element))
    out: dict[str, Any] = {}
    for key, trace in traces.processes.items():
        try:
            flows = flows_taken(process_xml(definition, process.get(key)), trace.flows)
        except (LookupError, ValueError):
            flows = []
        out[key] = {"completed": trace.completed, "current": trace.current, "waiting": trace.waiting,
                    "errored": errored.get(key, []), "errored_inside": inside.get(key, []), "flows": flows}
    return {"top": traces.top, "processes": out,
            "calls": {k: {"parent": c.parent, "element": c.element, "process": c.process}
                      for k, c in traces.calls.items()}}


def _enclosing(definition: ProcessDefinition, key: str | None, element: str) -> list[str]:
    """Ids of the sub-processes that contain an element of a diagram, innermost first."""
    try:
        root = parse_xml(process_xml(definition, key).encode(), "diagram")
    except (LookupError, ValueError):
        return []
    found = next((el for el in root.iter() if isinstance(el.tag, str) and el.get("id") == element), None)
    out: list[str] = []
    node = found.getparent() if found is not None else None
    while node is not None and etree.QName(node).localname == "subProcess":
        out.append(str(node.get("id")))
        node = node.getparent()
    return out


def flows_taken(xml: str, pairs: list[tuple[str, str]]) -> list[str]:
    """Ids of the sequence flows whose (source, target) pair the token went along."""
    root = parse_xml(xml.encode(), "diagram")
    wanted = set(pairs)
    return [f.get("id", "") for f in root.iter(f"{{{BPMN}}}sequenceFlow")
            if (f.get("sourceRef"), f.get("targetRef")) in wanted]


def _has_layout(root: Any, process: Any) -> bool:
    ids = {el.get("id") for el in process.iter() if isinstance(el.tag, str)}
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    return bool(ids & shapes)


def add_layout(root: Any, process: Any) -> str:
    """Lay the process out left to right by longest path from its start events and append the DI."""
    nodes = [el for el in process if isinstance(el.tag, str) and etree.QName(el).localname not in SKIP]
    kind = {n.get("id"): etree.QName(n).localname for n in nodes}
    flows = [(f.get("id"), f.get("sourceRef"), f.get("targetRef")) for f in process.iter(f"{{{BPMN}}}sequenceFlow")
             if f.getparent() is process]
    attached = {n.get("id"): n.get("attachedToRef") for n in nodes if kind[n.get("id")] == "boundaryEvent"}
    succ: dict[str, list[str]] = {n.get("id"): [] for n in nodes}
    for _, s, t in flows:
        if s in succ and t in succ:
            succ[s].append(t)
    rank, row = _ranks(list(succ), succ, attached, kind)
    boxes: dict[str, Box] = {}
    for node_id in succ:
        if node_id in attached:
            continue
        w, h = _size(kind[node_id])
        cx, cy = X0 + rank[node_id] * COL + 50, Y0 + row[node_id] * ROW + 40
        boxes[node_id] = Box(cx - w / 2, cy - h / 2, w, h)
    for index, (node_id, host) in enumerate(sorted(attached.items())):
        hb = boxes.get(host or "")
        if hb is not None:
            boxes[node_id] = Box(hb.x + hb.w - 28 - 40 * (index % 2), hb.y + hb.h - 18, 36, 36)
    bottom = max((b.y + b.h for b in boxes.values()), default=Y0) + 40
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", nsmap={"bpmndi": BPMNDI, "dc": DC, "di": DI},
                               id=f"{process.get('id')}_generated_di")
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"{process.get('id')}_generated_plane",
                             bpmnElement=process.get("id"))
    for node_id, box in boxes.items():
        shape = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{node_id}_di", bpmnElement=node_id)
        etree.SubElement(shape, f"{{{DC}}}Bounds", x=_n(box.x), y=_n(box.y), width=_n(box.w), height=_n(box.h))
    for flow_id, s, t in flows:
        if s in boxes and t in boxes:
            edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
            for x, y in _waypoints(boxes[s], boxes[t], s in attached, bottom):
                etree.SubElement(edge, f"{{{DI}}}waypoint", x=_n(x), y=_n(y))
    return str(etree.tostring(root, encoding="unicode"))


def _ranks(order: list[str], succ: dict[str, list[str]], attached: dict[str, str | None],
           kind: dict[str, str]) -> tuple[dict[str, int], dict[str, int]]:
    """Column = longest path (back edges ignored); row = order of discovery within the column."""
    back = _back_edges(order, succ, attached)
    rank = _columns(order, succ, attached, back)
    return rank, _rows(order, succ, attached, back, rank)


def _back_edges(order: list[str], succ: dict[str, list[str]], attached: dict[str, str | None]) -> set[tuple[str, str]]:
    """The edges that close a loop, found by a depth-first walk from the start events."""
    incoming = {t for targets in succ.values() for t in targets}
    starts = [n for n in order if n not in incoming and n not in attached] or order[:1]
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        state[node] = 1
        for nxt in succ.get(node, []):
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                visit(nxt)
        state[node] = 2

    for s in starts + [a for a in attached if a not in state]:
        if s not in state:
            visit(s)
    for n in order:
        if n not in state:
            visit(n)
    return back


def _columns(order: list[str], succ: dict[str, list[str]], attached: dict[str, str | None],
             back: set[tuple[str, str]]) -> dict[str, int]:
    """Relax until stable: rank = 1 + max rank of forward predecessors; boundary events share their host's."""
    rank: dict[str, int] = {}
    for _ in range(len(order) + 1):
        changed = False
        for node in order:
            host = attached.get(node)
            base = rank.get(host, 0) if host else rank.get(node, 0)
            if node in attached and rank.get(node) != base:
                rank[node], changed = base, True
            for nxt in succ.get(node, []):
                if (node, nxt) in back:
                    continue
                want = rank.get(node, 0) + 1
                if rank.get(nxt, 0) < want:
                    rank[nxt], changed = want, True
        if not changed:
            break
    return rank


def _rows(order: list[str], succ: dict[str, list[str]], attached: dict[str, str | None],
          back: set[tuple[str, str]], rank: dict[str, int]) -> dict[str, int]:
    """Row within the column: the main path first, boundary branches below it, boundary events on their host."""
    below = {t for b in attached for t in succ.get(b, [])}
    used: dict[int, int] = {}
    row: dict[str, int] = {}
    side = {n for n in order if n in below or _reached_from(n, below, succ, back)}
    for node in sorted(order, key=lambda n: n in side):
        rank.setdefault(node, 0)
        if node in attached:
            continue
        r = max(used.get(rank[node], 0), 1 if node in side else 0)
        row[node] = r
        used[rank[node]] = r + 1
    for node in attached:
        row[node] = 0
    return row


def _reached_from(node: str, roots: set[str], succ: dict[str, list[str]], back: set[tuple[str, str]]) -> bool:
    seen, todo = set(roots), list(roots)
    while todo:
        cur = todo.pop()
        for nxt in succ.get(cur, []):
            if (cur, nxt) not in back and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return node in seen


def _size(kind: str) -> tuple[float, float]:
    if kind.endswith("Event"):
        return 36, 36
    if kind.endswith("Gateway"):
        return 50, 50
    return 100, 80


def _waypoints(s: Box, t: Box, from_boundary: bool, bottom: float) -> list[tuple[float, float]]:
    sy, ty = s.y + s.h / 2, t.y + t.h / 2
    if from_boundary:
        return [(s.x + s.w / 2, s.y + s.h), (s.x + s.w / 2, ty), (t.x, ty)]
    if t.x <= s.x:  # a loop back: go round underneath
        sx, tx = s.x + s.w / 2, t.x + t.w / 2
        return [(sx, s.y + s.h), (sx, bottom), (tx, bottom), (tx, t.y + t.h)]
    if abs(sy - ty) < 1:
        return [(s.x + s.w, sy), (t.x, ty)]
    mid = s.x + s.w + (t.x - s.x - s.w) / 2
    return [(s.x + s.w, sy), (mid, sy), (mid, ty), (t.x, ty)]


def _n(value: float) -> str:
    return str(int(round(value)))
