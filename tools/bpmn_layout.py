"""Compact process descriptions -> BPMN 2.0 XML with diagram interchange (pools, lanes, grid layout)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from tools.bpmn_model import (
    COL_W,
    LANE_HEAD,
    NS,
    POOL_GAP,
    POOL_HEAD,
    POOL_X,
    ROW_H,
    SIZES,
    TAGS,
    Box,
    Flow,
    Node,
    Pool,
    q,
)


def _layout(pool: Pool, top: float) -> tuple[dict[str, Box], list[Box], Box]:
    rows = [1] * len(pool.lanes)
    for n in pool.nodes.values():
        if n.kind != "boundary":
            rows[n.lane] = max(rows[n.lane], int(n.row + 1.999))
    cols = max(n.col for n in pool.nodes.values()) + 1
    width = LANE_HEAD + 40 + cols * COL_W
    lanes: list[Box] = []
    y = top
    for r in rows:
        lanes.append(Box(POOL_X + POOL_HEAD, y, width, r * ROW_H))
        y += r * ROW_H
    boxes: dict[str, Box] = {}
    for n in pool.nodes.values():
        if n.kind == "boundary":
            continue
        w, h = SIZES[n.shape]
        cx = POOL_X + POOL_HEAD + LANE_HEAD + 20 + n.col * COL_W + COL_W / 2
        cy = lanes[n.lane].y + ROW_H / 2 + n.row * ROW_H
        boxes[n.id] = Box(cx - w / 2, cy - h / 2, w, h)
    for n in pool.nodes.values():
        if n.kind == "boundary":
            host = boxes[n.ext["attached"]]
            cx = host.x + 20 + 32 * n.ext.get("slot", 0) + 18
            boxes[n.id] = Box(cx - 18, host.bottom - 18, 36, 36)
    return boxes, lanes, Box(POOL_X, top, POOL_HEAD + width, y - top)


def _route(f: Flow, s: Box, t: Box, src: Node, tgt: Node, via_y: float | None) -> list[tuple[float, float]]:
    if via_y is not None:
        sy = s.y if via_y < s.cy else s.bottom
        ty = t.y if via_y < t.cy else t.bottom
        return [(s.cx, sy), (s.cx, via_y), (t.cx, via_y), (t.cx, ty)]
    if src.kind == "boundary":
        if t.cy < s.bottom:
            return [(s.cx, s.bottom), (s.cx, s.bottom + 20), (t.x - 20, s.bottom + 20), (t.x - 20, t.cy), (t.x, t.cy)]
        if abs(t.cx - s.cx) < 1:
            return [(s.cx, s.bottom), (t.cx, t.y)]
        return [(s.cx, s.bottom), (s.cx, t.cy), (t.x if t.cx > s.cx else t.right, t.cy)]
    if src.shape == "gateway" and t.cx < s.cx and abs(s.cy - t.cy) >= 1:  # back and down/up: into the side
        return [(s.cx, s.bottom if t.cy > s.cy else s.y), (s.cx, t.cy), (t.right, t.cy)]
    if abs(s.cx - t.cx) < 1:  # straight up or down
        return [(s.cx, s.bottom), (t.cx, t.y)] if t.cy > s.cy else [(s.cx, s.y), (t.cx, t.bottom)]
    if abs(s.cy - t.cy) < 1:
        return [(s.right, s.cy), (t.x, t.cy)] if t.cx > s.cx else [(s.x, s.cy), (t.right, t.cy)]
    if t.x < s.right - 1:
        y = max(s.bottom, t.bottom) + 18
        return [(s.cx, s.bottom), (s.cx, y), (t.cx, y), (t.cx, t.bottom)]
    if src.shape == "gateway" and f.bend is None:
        return [(s.cx, s.y if t.cy < s.cy else s.bottom), (s.cx, t.cy), (t.x, t.cy)]
    if tgt.shape == "gateway" and f.bend is None:
        return [(s.right, s.cy), (t.cx, s.cy), (t.cx, t.y if s.cy < t.cy else t.bottom)]
    mx = (s.right + t.x) / 2 if f.bend is None else s.right + f.bend
    return [(s.right, s.cy), (mx, s.cy), (mx, t.cy), (t.x, t.cy)]


def _sub(parent: etree._Element, prefix: str, tag: str, text: str | None = None, **attrs: Any) -> etree._Element:
    el = etree.SubElement(parent, q(prefix, tag), {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _node_xml(proc: etree._Element, pool: Pool, n: Node) -> None:
    attrs: dict[str, Any] = {"id": n.id, "name": n.name or None}
    if n.kind == "boundary":
        attrs.update(attachedToRef=n.ext["attached"], cancelActivity="true" if n.ext.get("interrupting") else "false")
    if n.kind == "call":
        attrs["calledElement"] = n.ext["called"]
    defaults = [f.id for f in pool.flows if f.source == n.id and f.default]
    if defaults:
        attrs["default"] = defaults[0]
    el = _sub(proc, "bpmn", TAGS[n.kind], **attrs)
    if n.doc:
        _sub(el, "bpmn", "documentation", n.doc)
    _extensions(el, n)
    for f in pool.flows:
        if f.target == n.id:
            _sub(el, "bpmn", "incoming", f.id)
    for f in pool.flows:
        if f.source == n.id:
            _sub(el, "bpmn", "outgoing", f.id)
    if n.kind == "script":
        _sub(el, "bpmn", "script", n.ext["script"])
    if "timer" in n.ext:
        timer = _sub(el, "bpmn", "timerEventDefinition", id=f"{n.id}_def")
        kind, expr = n.ext["timer"]
        texp = _sub(timer, "bpmn", kind, expr)
        texp.set(q("xsi", "type"), "bpmn:tFormalExpression")
    if "escalation" in n.ext:
        _sub(el, "bpmn", "escalationEventDefinition", id=f"{n.id}_def", escalationRef=n.ext["escalation"])


def _extensions(el: etree._Element, n: Node) -> None:
    if n.kind == "user":
        ext = _sub(el, "bpmn", "extensionElements")
        props = _sub(ext, "spiffworkflow", "properties")
        for k, v in n.ext["props"].items():
            _sub(props, "spiffworkflow", "property", name=k, value=v)
    elif n.kind == "service":
        ext = _sub(el, "bpmn", "extensionElements")
        op = _sub(ext, "spiffworkflow", "serviceTaskOperator", id=n.ext["op"], resultVariable=n.ext.get("result"))
        params = _sub(op, "spiffworkflow", "parameters")
        for k, v in n.ext["params"].items():
            _sub(params, "spiffworkflow", "parameter", id=k, type="any", value=v)
    elif n.kind == "rule":
        ext = _sub(el, "bpmn", "extensionElements")
        _sub(ext, "spiffworkflow", "calledDecisionId", n.ext["decision"])


def _label(points: list[tuple[float, float]], text: str) -> Box:
    (x1, y1), (x2, y2) = points[0], points[1]
    w = max(20, 6.2 * len(text))
    if abs(x1 - x2) < 1:  # vertical first segment: label right of it, near the gateway
        return Box(x1 + 4, y1 + 4 if y2 > y1 else y1 - 18, w, 14)
    return Box(x1 + 6, y1 - 18, w, 14)


def build(file_id: str, pools: list[Pool], escalations: dict[str, str] | None = None) -> bytes:
    """Serialize pools (one collaboration, one process each) to BPMN XML with DI."""
    root = etree.Element(
        q("bpmn", "definitions"),
        nsmap=NS,
        id=f"Definitions_{file_id}",
        targetNamespace="http://closeloop.example/processes",
        exporter="Closeloop tools/bpmn_layout.py",
        exporterVersion="1",
    )
    for code, name in (escalations or {}).items():
        _sub(root, "bpmn", "escalation", id=f"Escalation_{code}", name=name, escalationCode=code)
    collab = _sub(root, "bpmn", "collaboration", id=f"Collaboration_{file_id}")
    for pool in pools:
        _sub(collab, "bpmn", "participant", id=f"Participant_{pool.id}", name=pool.name, processRef=pool.id)
    seen: set[str] = set()
    for pool in pools:
        ids = set(pool.nodes) | {f.id for f in pool.flows}
        if ids & seen:
            raise ValueError(f"{file_id}: ids used in more than one pool: {sorted(ids & seen)}")
        seen |= ids
        for n in pool.nodes.values():
            clash = set(n.ext.get("params", {})) & seen | ({n.ext["op"]} & seen if "op" in n.ext else set())
            if clash:
                raise ValueError(f"{file_id}: element ids equal to handler/parameter ids: {sorted(clash)}")
    diagram = etree.Element(q("bpmndi", "BPMNDiagram"), id=f"Diagram_{file_id}")
    plane = _sub(diagram, "bpmndi", "BPMNPlane", id=f"Plane_{file_id}", bpmnElement=f"Collaboration_{file_id}")
    top = 60.0
    for pool in pools:
        proc = _sub(root, "bpmn", "process", id=pool.id, name=pool.name, isExecutable="true")
        if pool.doc:
            _sub(proc, "bpmn", "documentation", pool.doc)
        boxes, lanes, pbox = _layout(pool, top)
        lane_set = _sub(proc, "bpmn", "laneSet", id=f"LaneSet_{pool.id}")
        lane_ids = []
        for i, name in enumerate(pool.lanes):
            lane_id = f"Lane_{pool.id}_{i}"
            lane_ids.append(lane_id)
            lane = _sub(lane_set, "bpmn", "lane", id=lane_id, name=name)
            for n in pool.nodes.values():
                host = pool.nodes[n.ext["attached"]] if n.kind == "boundary" else n
                if host.lane == i:
                    _sub(lane, "bpmn", "flowNodeRef", n.id)
        for n in pool.nodes.values():
            _node_xml(proc, pool, n)
        for f in pool.flows:
            fl = _sub(
                proc, "bpmn", "sequenceFlow", id=f.id, name=f.name or None, sourceRef=f.source, targetRef=f.target
            )
            if f.cond:
                c = _sub(fl, "bpmn", "conditionExpression", f.cond)
                c.set(q("xsi", "type"), "bpmn:tFormalExpression")
        _shape(plane, f"Participant_{pool.id}_di", f"Participant_{pool.id}", pbox, horizontal=True)
        for lane_id, lb in zip(lane_ids, lanes, strict=True):
            _shape(plane, f"{lane_id}_di", lane_id, lb, horizontal=True)
        for n in pool.nodes.values():
            sh = _shape(plane, f"{n.id}_di", n.id, boxes[n.id], marker=n.kind.endswith("xgw"))
            b, w = boxes[n.id], max(40, 6.2 * len(n.name))
            if n.shape == "gateway" and n.name:  # label above: flows leave gateways sideways and downwards
                lab = _sub(sh, "bpmndi", "BPMNLabel")
                _sub(lab, "dc", "Bounds", x=_n(b.cx - w / 2), y=_n(b.y - 20), width=_n(w), height="14")
            out = [f for f in pool.flows if f.source == n.id]
            if n.kind == "boundary" and n.name and out:  # label beside the bend of its branch
                t = boxes[out[0].target]
                lab = _sub(sh, "bpmndi", "BPMNLabel")
                _sub(lab, "dc", "Bounds", x=_n(b.cx + 5), y=_n(t.cy - 20), width=_n(w), height="14")
        for f in pool.flows:
            via_y = None
            if f.via is not None:
                lane, row, dy = f.via
                via_y = lanes[pool.lane_index(lane)].y + ROW_H / 2 + row * ROW_H + dy
            pts = _route(f, boxes[f.source], boxes[f.target], pool.nodes[f.source], pool.nodes[f.target], via_y)
            edge = _sub(plane, "bpmndi", "BPMNEdge", id=f"{f.id}_di", bpmnElement=f.id)
            for x, y in pts:
                _sub(edge, "di", "waypoint", x=_n(x), y=_n(y))
            if f.name:
                lab = _sub(edge, "bpmndi", "BPMNLabel")
                b = _label(pts, f.name)
                _sub(lab, "dc", "Bounds", x=_n(b.x), y=_n(b.y), width=_n(b.w), height=_n(b.h))
        top = pbox.bottom + POOL_GAP
    root.append(diagram)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _n(v: float) -> str:
    return str(int(round(v)))


def _shape(
    plane: etree._Element, sid: str, ref: str, b: Box, horizontal: bool = False, marker: bool = False
) -> etree._Element:
    attrs: dict[str, Any] = {"id": sid, "bpmnElement": ref}
    if horizontal:
        attrs["isHorizontal"] = "true"
    if marker:
        attrs["isMarkerVisible"] = "true"
    sh = _sub(plane, "bpmndi", "BPMNShape", **attrs)
    _sub(sh, "dc", "Bounds", x=_n(b.x), y=_n(b.y), width=_n(b.w), height=_n(b.h))
    return sh
