"""Timers that read case data (`resolution_deadline`), checked at deploy with the values the pack gives that data.

A timer expression that needs case data cannot be evaluated on its own; but where the pack itself states the
values a name can take (the outputs of a decision table, a literal a script assigns, a form field's const / enum /
default / examples), the expression is evaluated with each of them in the sandbox, and a value that does not give
a valid ISO-8601 duration, date or cycle refuses the deploy. A name the pack gives no value for (case data from
the intake, a handler's result) is left to run time.
"""

from __future__ import annotations

import ast
import itertools
from typing import Any

from flask_babel import gettext

from webapp.engine import sandbox
from webapp.engine.formrefs import resolve_shared
from webapp.engine.pack import Problem
from webapp.processes.check_codes import found
from webapp.processes.check_timers import timer_problem
from webapp.processes.model import FileModel

MAX_COMBINATIONS = 64
Values = dict[str, list[tuple[Any, str]]]  # name -> [(value, where the pack sets it)]


def _literal(text: str) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _add(values: Values, name: str, value: Any, where: str) -> None:
    if value is None:
        return  # "not set yet": the flow decides whether a timer can meet it
    if all(v != value for v, _ in values.setdefault(name, [])):
        values[name].append((value, where))


def decision_values(models: dict[str, FileModel], values: Values) -> None:
    """Each literal output cell of every decision table, under its output name."""
    for model in models.values():
        for decision in model.decisions.values():
            for rule_id, cells in decision.rules.items():
                for name, text in zip(decision.outputs, cells[len(cells) - len(decision.outputs):], strict=False):
                    ok, value = _literal(text)
                    if name and ok:
                        _add(values, name, value, gettext("decision '%(decision)s' rule '%(rule)s' in %(file)s",
                                                          decision=decision.id, rule=rule_id, file=model.name))


def script_values(models: dict[str, FileModel], values: Values) -> None:
    """Each literal a script assigns to a name (`resolution_deadline = "P14D"`)."""
    for model in models.values():
        for el in model.elements.values():
            for kind, source in el.scripts.items():
                try:
                    tree = ast.parse(source, mode="eval" if kind == "condition" else "exec")
                except (SyntaxError, ValueError):
                    continue  # reported by the script check
                for node in ast.walk(tree):
                    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                        for target in node.targets:
                            if isinstance(target, ast.Name):
                                _add(values, target.id, node.value.value, gettext(
                                    "script of '%(element)s' in %(file)s", element=el.id, file=model.name))


def form_values(forms: dict[str, Any], values: Values) -> None:
    """The const, enum, default and example values of every form field, under the field's name."""
    for name, schema in sorted(forms.items()):
        resolved, _ = resolve_shared(schema, forms)
        stack = [resolved]
        while stack:
            node = stack.pop()
            if not isinstance(node, dict):
                continue
            for field, spec in (node.get("properties") or {}).items():
                if not isinstance(spec, dict):
                    continue
                found = ([spec["const"]] if "const" in spec else []) + list(spec.get("enum") or [])
                found += ([spec["default"]] if "default" in spec else []) + list(spec.get("examples") or [])
                for value in found:
                    _add(values, field, value, gettext("form %(form)s", form=name))
                stack.append(spec)
            stack.extend(v for k, v in node.items() if k in ("items", "then", "else") and isinstance(v, dict))


def check_timer_data(models: dict[str, FileModel], forms: dict[str, Any]) -> list[Problem]:
    """A problem for each timer reading case data that gives an invalid value with a value the pack sets."""
    values: Values = {}
    decision_values(models, values)
    script_values(models, values)
    form_values(forms, values)
    env = sandbox.SandboxEnvironment()
    known = set(env.globals) | set(env.globals["__builtins__"])
    problems: list[Problem] = []
    for model in models.values():
        for el in model.elements.values():
            if el.timer and el.timer[1]:
                problem = _check(el, values, known, env)
                if problem:
                    problems.append(problem)
    return problems


def _check(el: Any, values: Values, known: set[str], env: Any) -> Problem | None:
    kind, expression = el.timer
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return None  # reported by the timer check
    names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - known)
    if not names or any(n not in values for n in names):
        return None  # a constant (checked by the timer check), or data the pack does not state: run time
    for combination in itertools.islice(itertools.product(*(values[n] for n in names)), MAX_COMBINATIONS):
        data = {n: v for n, (v, _) in zip(names, combination, strict=True)}
        try:
            value = env.evaluate(expression, dict(data))
        except Exception as exc:  # the owner's expression fails with these values
            value = exc
        reason = (gettext("fails: %(error)s", error=f"{type(value).__name__}: {value}") if isinstance(value, Exception)
                  else timer_problem(kind, value))
        if reason:
            given = ", ".join(f"{n} = {v!r} ({where})" for n, (v, where) in zip(names, combination, strict=True))
            return found(el.file, el.id, "timer_invalid_with_data", el.name, expression=expression, given=given,
                         reason=reason)
    return None
