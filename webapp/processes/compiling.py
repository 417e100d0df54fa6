"""Compile and evaluate diagram code for deploy checks: the one place that asks the sandbox (swap it here)."""

from __future__ import annotations

import ast
from typing import Any, Literal

from webapp.engine import sandbox


def compile_problem(source: str, mode: Literal["exec", "eval"]) -> str | None:
    """None when the sandbox accepts the script or expression, else what is wrong with it."""
    try:
        compile(source, "<diagram>", mode)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if mode == "exec" and exc.lineno else ""
        return f"{exc.msg}{where}"
    except ValueError as exc:  # e.g. a NUL character
        return str(exc)
    problems = sandbox.check_code(source, mode)
    return "; ".join(problems) if problems else None


def evaluate_constant(expression: str) -> tuple[bool, Any]:
    """Evaluate an expression that needs no case data, in the sandbox; (False, None) when it reads case data."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return False, None
    env = sandbox.SandboxEnvironment()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if names - set(env.globals) - set(env.globals["__builtins__"]):
        return False, None
    try:
        return True, env.evaluate(expression, {})
    except Exception as exc:  # the owner's expression failed: report it as its value
        return True, exc
