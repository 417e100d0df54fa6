"""Timer checks: every timer expression gives a valid ISO-8601 value, and a timer agrees with the clock it guards."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from webapp.engine.durations import duration_delta, validate_timer_value
from webapp.engine.pack import Problem
from webapp.processes.compiling import compile_problem, evaluate_constant
from webapp.processes.model import Element, FileModel

_ISO_NAME = re.compile(r"^(P|PT|R\d*)[0-9]", re.IGNORECASE)
_EXAMPLES = {"timeDuration": '"PT3H" or "P14D"', "timeDate": '"2026-01-31T18:00:00+08:00"',
             "timeCycle": '"R3/PT10M"'}
_START = datetime(2026, 1, 1, tzinfo=UTC)


def parse_duration(text: str) -> timedelta:
    """An ISO-8601 duration as a timedelta from a fixed start (raises ValueError)."""

    return duration_delta(text, _START)


def timer_problem(kind: str, value: Any) -> str | None:
    """Why a timer's evaluated value is not a valid ISO-8601 duration / date / cycle, or None."""

    if not isinstance(value, str):
        return f"evaluates to {type(value).__name__} {value!r}, not text; write e.g. {_EXAMPLES[kind]}"
    reason = validate_timer_value(kind, value)
    if reason:
        return f"{value!r} is not a valid ISO-8601 {reason}; write e.g. {_EXAMPLES[kind]}"
    return None


def check_timer(element: Element) -> list[Problem]:
    """The timer expression compiles and, when it does not depend on case data, evaluates to a valid value."""
    assert element.timer is not None
    kind, expression = element.timer
    where = (element.file, element.id)
    if not expression:
        return [Problem(*where, f"the timer has no {kind} expression; write e.g. {_EXAMPLES[kind]}", element.name)]
    unquoted = _unquoted_iso(expression)
    if unquoted:
        return [Problem(*where, f"timer expression {expression} is read as a variable name; put it in quotes: "
                                f'"{unquoted}"', element.name)]
    refused = compile_problem(expression, "eval")
    if refused:
        return [Problem(*where, f"timer expression does not compile: {refused}; write e.g. {_EXAMPLES[kind]}",
                        element.name)]
    ok, value = evaluate_constant(expression)
    if not ok:
        return []  # depends on case data (e.g. resolution_deadline): checked when it runs
    reason = timer_problem(kind, value)
    return [Problem(*where, f"timer {reason}", element.name)] if reason else []


def _unquoted_iso(expression: str) -> str | None:
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return None
    if isinstance(tree.body, ast.Name) and _ISO_NAME.match(tree.body.id):
        return tree.body.id
    return None


def _literal(expression: str) -> Any:
    try:
        return ast.literal_eval(expression)
    except (ValueError, SyntaxError):
        return None


def clock_starts(models: dict[str, FileModel]) -> dict[str, list[tuple[Element, str]]]:
    """Every `clock_start` with a literal name and duration: clock name -> [(element, duration)]."""
    found: dict[str, list[tuple[Element, str]]] = {}
    for model in models.values():
        for el in model.elements.values():
            if el.operator == "clock_start":
                name, duration = _literal(el.params.get("name", "")), _literal(el.params.get("duration", ""))
                if isinstance(name, str) and isinstance(duration, str):
                    found.setdefault(name, []).append((el, duration))
    return found


def check_clock_agreement(models: dict[str, FileModel]) -> list[Problem]:
    """A boundary timer on a task that names a clock, and a `deadline_missed` naming it, say the clock's duration."""
    clocks = clock_starts(models)
    problems: list[Problem] = []
    for model in models.values():
        for el in model.elements.values():
            if el.tag == "boundaryEvent" and el.timer and el.timer[0] == "timeDuration":
                task = model.elements.get(el.attrs.get("attachedToRef", ""))
                clock = task.props.get("clock") if task else None
                value = _literal(el.timer[1])
                if clock and isinstance(value, str):
                    problems += _disagree(el, "timer", clock, value, clocks)
            if el.operator == "deadline_missed":
                clock, value = _literal(el.params.get("clock", "")), _literal(el.params.get("duration", ""))
                if isinstance(clock, str) and isinstance(value, str):
                    problems += _disagree(el, "parameter duration", clock, value, clocks)
    return problems


def _disagree(el: Element, what: str, clock: str, value: str,
              clocks: dict[str, list[tuple[Element, str]]]) -> list[Problem]:
    problems: list[Problem] = []
    for start, duration in clocks.get(clock, []):
        if _same_duration(value, duration):
            continue
        problems.append(Problem(el.file, el.id, (
            f"{what} says {value} but clock '{clock}' is started with {duration} by '{start.id}' "
            f"({start.name}) in {start.file}; change one so both say the same deadline"), el.name))
        problems.append(Problem(start.file, start.id, (
            f"clock '{clock}' is started with {duration} but '{el.id}' ({el.name}) in {el.file} says {value}; "
            "change one so both say the same deadline"), start.name))
    return problems


def _same_duration(a: str, b: str) -> bool:
    try:
        return parse_duration(a) == parse_duration(b)
    except ValueError:
        if a.strip().upper().startswith("P"):
            return True  # not a duration at all: the timer check reports it
        return a.strip().upper() == b.strip().upper()  # e.g. 'EOD': compared as written
