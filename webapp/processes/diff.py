"""Element-level differences between two versions of a process: tasks, flows, timers, scripts, rules, form fields."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.errors import NotFound
from webapp.models import ProcessDefinition
from webapp.processes.model import Element, FileModel, read_models

Change = dict[str, Any]


def _kind(el: Element) -> str:
    if el.tag == "sequenceFlow":
        return "flow"
    if el.tag.endswith("Gateway"):
        return "gateway"
    if el.timer is not None:
        return "timer"
    return "event" if el.tag.endswith("Event") else "task"


def _aspects(el: Element) -> dict[str, tuple[str, str | None]]:
    """What can change on an element: aspect -> (kind of change, text)."""
    out: dict[str, tuple[str, str | None]] = {"name": (_kind(el), el.name or None), "type": (_kind(el), el.tag),
                                              "lane": (_kind(el), el.lane), "in": (_kind(el), el.scope)}
    if el.tag == "sequenceFlow":
        out["connects"] = ("flow", f"{el.attrs.get('sourceRef')} -> {el.attrs.get('targetRef')}")
    if el.tag == "boundaryEvent":
        out["attached to"] = (_kind(el), el.attrs.get("attachedToRef"))
    if el.timer:
        out["timer"] = ("timer", f"{el.timer[0]} {el.timer[1]}")
    for key, text in el.scripts.items():
        out[key] = ("condition" if key == "condition" else "script", text)
    if el.operator is not None:
        out["operation"] = ("service", el.operator)
    for key, text in el.params.items():
        out[f"parameter {key}"] = ("service", text)
    for key, text in el.props.items():
        out[f"property {key}"] = (_kind(el), text)
    if el.decision:
        out["decision"] = (_kind(el), el.decision)
    return out


def _elements(models: dict[str, FileModel]) -> dict[str, Element]:
    return {el.id: el for m in models.values() for el in m.elements.values()}


def _element_changes(old: dict[str, Element], new: dict[str, Element]) -> list[Change]:
    changes: list[Change] = []
    for ident in sorted(set(old) | set(new)):
        a, b = old.get(ident), new.get(ident)
        if a is None or b is None:
            el = b or a
            assert el is not None
            changes.append({"kind": _kind(el), "change": "added" if a is None else "removed", "file": el.file,
                            "element": ident, "name": el.name, "field": None, "before": None, "after": None})
            continue
        before, after = _aspects(a), _aspects(b)
        for aspect in sorted(set(before) | set(after)):
            x, y = before.get(aspect, (None, None)), after.get(aspect, (None, None))
            if x[1] != y[1]:
                changes.append({"kind": y[0] or x[0], "change": "changed", "file": b.file, "element": ident,
                                "name": b.name, "field": aspect, "before": x[1], "after": y[1]})
    return changes


def _rule_changes(old: dict[str, FileModel], new: dict[str, FileModel]) -> list[Change]:
    changes: list[Change] = []
    before = {d.id: d for m in old.values() for d in m.decisions.values()}
    after = {d.id: d for m in new.values() for d in m.decisions.values()}
    for ident in sorted(set(before) | set(after)):
        a, b = before.get(ident), after.get(ident)
        rules_a, rules_b = (a.rules if a else {}), (b.rules if b else {})
        file = (b or a).file  # type: ignore[union-attr]
        for rule in sorted(set(rules_a) | set(rules_b)):
            x, y = rules_a.get(rule), rules_b.get(rule)
            if x != y:
                change = "added" if x is None else "removed" if y is None else "changed"
                changes.append({"kind": "decision_row", "change": change, "file": file, "element": rule,
                                "name": ident, "field": None, "before": " | ".join(x) if x else None,
                                "after": " | ".join(y) if y else None})
    return changes


def _form_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for form in sorted(set(old) | set(new)):
        a = (old.get(form) or {}).get("properties") or {}
        b = (new.get(form) or {}).get("properties") or {}
        for field in sorted(set(a) | set(b)):
            x = json.dumps(a[field], ensure_ascii=False, sort_keys=True) if field in a else None
            y = json.dumps(b[field], ensure_ascii=False, sort_keys=True) if field in b else None
            if x != y:
                change = "added" if x is None else "removed" if y is None else "changed"
                changes.append({"kind": "form_field", "change": change, "file": form, "element": field,
                                "name": (b.get(field) or a.get(field) or {}).get("title", field), "field": None,
                                "before": x, "after": y})
    return changes


def diff_definitions(old: ProcessDefinition, new: ProcessDefinition) -> list[Change]:
    """Every change from one stored version to another."""
    models_a, _ = read_models({n: t.encode() for n, t in old.files.items()})
    models_b, _ = read_models({n: t.encode() for n, t in new.files.items()})
    files = [{"kind": "file", "change": "added" if n not in old.files else "removed", "file": n, "element": "",
              "name": n, "field": None, "before": None, "after": None}
             for n in sorted(set(old.files) ^ set(new.files))]
    return (files + _element_changes(_elements(models_a), _elements(models_b))
            + _rule_changes(models_a, models_b) + _form_changes(old.forms or {}, new.forms or {}))


def diff_versions(session: Session, key: str, a: int | None = None, b: int | None = None) -> dict[str, Any]:
    """The changes between versions `a` and `b` of a process (default: the previous and the newest)."""
    versions = {d.version: d for d in session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key))}
    if not versions:
        raise NotFound(f"no process '{key}'")
    newest = max(versions)
    b = b if b is not None else newest
    a = a if a is not None else max([v for v in versions if v < b], default=b)
    for v in (a, b):
        if v not in versions:
            raise NotFound(f"process '{key}' has no version {v}")
    return {"process": key, "from": a, "to": b, "changes": diff_definitions(versions[a], versions[b])}
