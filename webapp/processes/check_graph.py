"""Flow checks: every element is reached from a start event and can reach an end event."""

from __future__ import annotations

from collections import defaultdict

from webapp.engine.pack import Problem
from webapp.processes.check_codes import found
from webapp.processes.model import Element, FileModel


def _walk(starts: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(starts)
    todo = list(starts)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _scopes(model: FileModel) -> dict[str, list[Element]]:
    scopes: dict[str, list[Element]] = defaultdict(list)
    for el in model.elements.values():
        scopes[el.scope].append(el)
    return scopes


def check_flow(model: FileModel) -> list[Problem]:
    """In each process and sub-process: unreachable elements and elements that lead to no end event."""
    problems: list[Problem] = []
    for elements in _scopes(model).values():
        nodes = {e.id: e for e in elements if e.tag != "sequenceFlow"}
        forward: dict[str, set[str]] = defaultdict(set)
        backward: dict[str, set[str]] = defaultdict(set)
        for e in elements:
            if e.tag == "sequenceFlow":
                src, dst = e.attrs.get("sourceRef", ""), e.attrs.get("targetRef", "")
            elif e.tag == "boundaryEvent":
                src, dst = e.attrs.get("attachedToRef", ""), e.id
            else:
                continue
            forward[src].add(dst)
            backward[dst].add(src)
        starts = {i for i, e in nodes.items() if e.tag == "startEvent"}
        ends = {i for i, e in nodes.items() if e.tag == "endEvent"}
        reached, ending = _walk(starts, forward), _walk(ends, backward)
        for ident, el in sorted(nodes.items()):
            if ident not in reached:
                problems.append(found(model.name, ident, "unreachable", el.name))
            elif ident not in ending:
                problems.append(found(model.name, ident, "dead_end", el.name))
    return problems

