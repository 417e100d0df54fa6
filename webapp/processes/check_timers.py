"""Timer checks: every timer expression gives a valid ISO-8601 value, and a timer agrees with the clock it guards."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext

from webapp.engine.durations import duration_delta, validate_timer_value
from webapp.engine.pack import Problem
from webapp.processes.check_codes import found
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
        return gettext("evaluates to %(type)s %(value)s, not text; write e.g. %(example)s",
                       type=type(value).__name__, value=repr(value), example=_EXAMPLES[kind])
    reason = validate_timer_value(kind, value)
    if reason:
        return gettext("%(value)s is not a valid ISO-8601 %(what)s; write e.g. %(example)s", value=repr(value),
                       what=reason, example=_EXAMPLES[kind])
    return None


def check_timer(element: Element) -> list[Problem]:
    """The timer expression compiles and, when it does not depend on case data, evaluates to a valid value."""
    assert element.timer is not None
    kind, expression = element.timer
    where = (element.file, element.id)
    if not expression:
        return [found(*where, "timer_empty", element.name, kind=kind, example=_EXAMPLES[kind])]
    unquoted = _unquoted_iso(expression)
    if unquoted:
        return [found(*where, "timer_unquoted", element.name, expression=expression, quoted=unquoted)]
    refused = compile_problem(expression, "eval")
    if refused:
        return [found(*where, "timer_not_compiling", element.name, reason=refused, example=_EXAMPLES[kind])]
    ok, value = evaluate_constant(expression)
    if not ok:
        return []  # depends on case data (e.g. resolution_deadline): checked when it runs
    reason = timer_problem(kind, value)
    return [found(*where, "timer_invalid", element.name, reason=reason)] if reason else []


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
                if isinstance(name, str):  # a duration from case data is '' (nothing to compare)
                    found.setdefault(name, []).append((el, duration if isinstance(duration, str) else ""))
    return found


def check_clock_durations(models: dict[str, FileModel]) -> list[Problem]:
    """A clock's duration written as a bare ISO name (PT4H) is a quoting mistake: say so on the clock_start."""
    problems = []
    for model in models.values():
        for el in model.elements.values():
            bare = _unquoted_iso(el.params.get("duration", "")) if el.operator == "clock_start" else None
            if bare:
                problems.append(found(el.file, el.id, "duration_unquoted", el.name, value=bare))
    return problems


def check_clock_agreement(models: dict[str, FileModel]) -> list[Problem]:
    """A deadline is stated once, by its `clock_start`: a timer that reads it (`clock_due('T1-callback')`) and a
    `deadline_missed` without a duration must name a clock that is started; a timer or duration written by hand
    beside a clock must say the clock's duration."""
    clocks = clock_starts(models)
    problems: list[Problem] = check_clock_durations(models)
    for model in models.values():
        for el in model.elements.values():
            task = model.elements.get(el.attrs.get("attachedToRef", "")) if el.tag == "boundaryEvent" else None
            clock = task.props.get("clock") if task else None
            read = clock_read(el.timer[1]) if el.timer else None
            if read is not None:
                problems += _reads(el, read, clock, clocks)
            elif clock and el.timer and el.timer[0] == "timeDuration" and isinstance(_literal(el.timer[1]), str):
                problems += _disagree(el, "timer", clock, _literal(el.timer[1]), clocks)
            if el.operator == "deadline_missed" and not _after_timer(el, model.elements):
                problems += _missed(el, clocks)
    return problems


def clock_read(expression: str) -> str | None:
    """The clock a timer expression reads (`clock_due('T1-callback')` -> 'T1-callback'), or None."""
    try:
        tree = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        return None
    if (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id == "clock_due"
            and len(tree.args) == 1 and isinstance(tree.args[0], ast.Constant) and isinstance(tree.args[0].value, str)):
        return tree.args[0].value
    return None


def _reads(el: Element, read: str, clock: str | None, clocks: dict[str, list[tuple[Element, str]]]) -> list[Problem]:
    if read not in clocks:
        return [found(el.file, el.id, "clock_not_started", el.name, clock=read)]
    if clock and clock != read:
        return [found(el.file, el.id, "clock_not_its_task", el.name, read=read, clock=clock)]
    return []


def _after_timer(el: Element, elements: dict[str, Element]) -> bool:
    """The task runs on a timer's branch (G2-d): the handler records the duration that timer states."""
    sources = [elements.get(f.attrs.get("sourceRef", "")) for f in elements.values()
               if f.tag == "sequenceFlow" and f.attrs.get("targetRef") == el.id]
    return "duration" not in el.params and any(src is not None and src.timer for src in sources)


def _missed(el: Element, clocks: dict[str, list[tuple[Element, str]]]) -> list[Problem]:
    clock, value = _literal(el.params.get("clock", "")), _literal(el.params.get("duration", ""))
    if not isinstance(clock, str):
        return []
    if isinstance(value, str):
        return _disagree(el, "parameter duration", clock, value, clocks)
    if "duration" not in el.params and clock not in clocks:
        return [found(el.file, el.id, "missed_duration_unknown", el.name, clock=clock)]
    return []


def _disagree(el: Element, what: str, clock: str, value: str,
              clocks: dict[str, list[tuple[Element, str]]]) -> list[Problem]:
    problems: list[Problem] = []
    fix = (gettext("let the timer read the clock: clock_due('%(clock)s')", clock=clock) if what == "timer"
           else gettext("remove the parameter duration (the clock's own is recorded)"))
    shown = gettext("timer") if what == "timer" else gettext("parameter duration")
    for start, duration in clocks.get(clock, []):
        if not duration or _same_duration(value, duration):
            continue
        problems.append(found(el.file, el.id, "clock_duration_differs", el.name, what=shown, value=value, clock=clock,
                              duration=duration, start=start.id, name=start.name, file=start.file, fix=fix))
        problems.append(found(start.file, start.id, "clock_start_differs", start.name, clock=clock,
                              duration=duration, element=el.id, name=el.name, file=el.file, value=value, fix=fix))
    return problems


def _same_duration(a: str, b: str) -> bool:
    try:
        return parse_duration(a) == parse_duration(b)
    except ValueError:
        if a.strip().upper().startswith("P"):
            return True  # not a duration at all: the timer check reports it
        return a.strip().upper() == b.strip().upper()  # e.g. 'EOD': compared as written
