"""Find every piece of diagram code in a parsed task spec and check it with the sandbox (used at deploy)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from webapp.engine.sandbox import Mode, check_code

_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # SpiffWorkflow's DMN '?' placeholder
_EXPRESSION_PROPERTIES = ("assignGroup", "assignUser")


def diagram_code(ts: Any) -> Iterator[tuple[str, str, Mode]]:
    """(what, source, mode) for each script, condition, DMN cell, timer expression and parameter of a task spec."""
    for attr, what in (("prescript", "pre-script"), ("postscript", "post-script"), ("script", "script")):
        source = getattr(ts, attr, None)
        if source:
            yield what, source, "exec"
    for condition, target in getattr(ts, "cond_task_specs", None) or []:
        if condition is not None and getattr(condition, "args", None):
            yield f"condition to '{target}'", condition.args[0], "eval"
    for name, param in (getattr(ts, "operation_params", None) or {}).items():
        if isinstance(param, dict) and param.get("value"):
            yield f"parameter '{name}'", str(param["value"]), "eval"
    event = getattr(ts, "event_definition", None)
    if event is not None and getattr(event, "expression", None):
        yield f"{type(event).__name__.removesuffix('EventDefinition')} expression", event.expression, "eval"
    props = (getattr(ts, "extensions", None) or {}).get("properties", {})
    for prop in _EXPRESSION_PROPERTIES:
        if props.get(prop):
            yield f"property {prop}", props[prop], "eval"
    engine = getattr(ts, "dmnEngine", None)
    if engine is not None:
        yield from _dmn_code(engine.decision_table)


def _dmn_code(table: Any) -> Iterator[tuple[str, str, Mode]]:
    for entry in getattr(table, "inputs", []):
        if entry.expression:
            yield f"DMN input '{entry.label or entry.id}'", entry.expression, "eval"
    for rule in getattr(table, "rules", []):
        for cell in rule.inputEntries:
            for lhs in cell.lhs:
                if lhs is not None:
                    yield f"DMN cell {cell.id}", _dmn_match(cell.input.expression or "None", lhs), "eval"
        for cell in rule.outputEntries:
            if cell.text and cell.text.strip() not in ("", "-"):
                yield f"DMN cell {cell.id}", cell.text, "eval"


def _dmn_match(input_expr: str, match: str) -> str:
    """The expression SpiffWorkflow's DMN engine builds for one input cell."""
    match = _QUESTION.sub("dmninputexpr", match)
    if "dmninputexpr" in match:
        return match
    try:
        ast.parse(match, mode="eval")
    except SyntaxError:
        return input_expr + match
    return f"({input_expr}) == ({match})"


def code_problems(ts: Any) -> list[tuple[str, str]]:
    """(what, problem) for every piece of diagram code of a task spec the sandbox refuses."""
    return [(what, error) for what, source, mode in diagram_code(ts) for error in check_code(source, mode)]
