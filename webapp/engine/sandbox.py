"""A restricted Python environment for diagram scripts and expressions."""

from __future__ import annotations

import ast
import builtins
import datetime as _dt
import functools
import json
import math
from typing import Any

from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

_SAFE_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs all any bool dict enumerate filter float int isinstance len list map max min "
        "range reversed round set sorted str sum tuple zip True False None ValueError KeyError"
    ).split()
}
_FORBIDDEN_NODES = (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.Lambda, ast.ClassDef)
_EXTENSIONS: dict[str, Any] = {}


def extend_globals(**functions: Any) -> None:
    """Offer more safe helper functions to diagram scripts (e.g. sla_due for business-time due dates)."""
    _EXTENSIONS.update(functions)


class UnsafeScriptError(ValueError):
    """A diagram script uses a construct the sandbox does not allow."""


def check_source(source: str) -> None:
    """Refuse imports, dunder names/attributes and class/lambda definitions in a script."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, _FORBIDDEN_NODES):
            raise UnsafeScriptError(f"{type(node).__name__} is not allowed in diagram scripts")
        name = getattr(node, "attr", None) if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if isinstance(name, str) and name.startswith("_"):
            raise UnsafeScriptError(f"names starting with '_' are not allowed in diagram scripts: {name}")


@functools.lru_cache(maxsize=4096)
def _compiled(expression: str) -> Any:
    return compile(expression, "<expression>", "eval")


class SandboxEnvironment(TaskDataEnvironment):
    """Task-data environment whose globals hold only safe builtins and a few helper modules."""

    def __init__(self, extra_globals: dict[str, Any] | None = None) -> None:
        env: dict[str, Any] = {
            "__builtins__": _SAFE_BUILTINS,
            "datetime": _dt,
            "json": json,
            "math": math,
        }
        env.update(_EXTENSIONS)
        env.update(extra_globals or {})
        super().__init__(env)
        self._checked: set[str] = set()

    def _check(self, source: str) -> None:
        if source not in self._checked:
            check_source(source)
            self._checked.add(source)

    def evaluate(self, expression, context, external_context=None):  # type: ignore[no-untyped-def]
        """Evaluate an expression after the sandbox check (compiled once per expression)."""
        self._check(expression)
        code = _compiled(expression)
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)

    def execute(self, script, context, external_context=None):  # type: ignore[no-untyped-def]
        """Execute a script after the sandbox check."""
        self._check(script)
        return super().execute(script, context, external_context)
