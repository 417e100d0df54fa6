"""The diagram-code sandbox: RestrictedPython compilation plus guarded runtime for every kind of diagram code.

Script tasks, gateway conditions, DMN cells, timer expressions, service-task parameters and task properties all
run through `SandboxEnvironment` (SpiffWorkflow calls its evaluate/execute); deploy calls `check_code`.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

from webapp.engine.plaindata import DataNotPlain, check_data
from webapp.engine.sandbox_guards import (
    ALLOWED_EXCEPTIONS,
    BLOCKED_ATTRIBUTES,
    HELPERS,
    RUNTIME_GUARDS,
    SAFE_BUILTINS,
    SandboxViolation,
)

Mode = Literal["exec", "eval"]
_EXTENSIONS: dict[str, Any] = {}
_DATA_HELPERS: dict[str, Callable[..., Any]] = {}
_GUARDED_OPS = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Mod: "%"}
_REFUSED_CALLS = frozenset(
    "eval exec compile open getattr setattr delattr hasattr vars dir globals locals type object super "
    "__import__ breakpoint input help memoryview classmethod staticmethod property id iter next print "
    "bytearray bytes format pow chr ord".split()
)
_GONE_MODULES = frozenset("json datetime math os sys codecs time re random builtins".split())
_SPEC_NUMBER = re.compile(r"\d+")
_MAX_SPEC = 1000


def extend_globals(**functions: Any) -> None:
    """Offer more safe helper functions to diagram scripts (e.g. sla_due for business-time due dates)."""
    _EXTENSIONS.update(functions)


def extend_data_helpers(**functions: Callable[..., Any]) -> None:
    """Offer helpers that read the task data (e.g. clock_due('T1-callback')): each is called with the data first."""
    _DATA_HELPERS.update(functions)


class _DataHelper:
    """A data helper bound to the task data it reads; diagram code can only call it (no attribute without `_`)."""

    __slots__ = ("_data", "_fn")

    def __init__(self, fn: Callable[..., Any], data: dict[str, Any]) -> None:
        self._fn, self._data = fn, data

    def __call__(self, *args: Any) -> Any:
        """Call the helper with the task data first."""
        return self._fn(self._data, *args)


class UnsafeScriptError(ValueError):
    """A diagram script uses a construct the sandbox does not allow."""


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, tightened for diagram code and with size-guarded operators."""

    def _refuse(self, node: ast.AST, what: str) -> None:
        self.error(node, f"{what} is not allowed in diagram code")

    def visit_Import(self, node: ast.Import) -> Any:
        """No imports."""
        self._refuse(node, "import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        """No imports."""
        self._refuse(node, "import")

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        """No classes."""
        self._refuse(node, "a class definition")

    def visit_Global(self, node: ast.Global) -> Any:
        """No global statements."""
        self._refuse(node, "'global'")

    def visit_With(self, node: ast.With) -> Any:
        """No context managers."""
        self._refuse(node, "'with'")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> Any:
        """No coroutines."""
        self._refuse(node, "'async def'")

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        """Only `except <exception name>` for the exceptions offered (never bare or BaseException)."""
        names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        for n in names:
            if not (isinstance(n, ast.Name) and n.id in ALLOWED_EXCEPTIONS):
                self.error(node, "except must name one of: " + ", ".join(sorted(ALLOWED_EXCEPTIONS)))
                return node
        return super().visit_ExceptHandler(node)

    def visit_Call(self, node: ast.Call) -> Any:
        """Refuse calls of introspection/IO builtins by name (they are not offered anyway)."""
        if isinstance(node.func, ast.Name) and node.func.id in _REFUSED_CALLS:
            self.error(node, f"{node.func.id}() is not available in diagram code")
        return super().visit_Call(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        """f-string fields: only a constant format spec with widths and precisions up to 1000."""
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if not all(isinstance(p, ast.Constant) for p in parts):
                self.error(node, "a computed f-string format spec is not allowed in diagram code")
            text = "".join(str(p.value) for p in parts if isinstance(p, ast.Constant))
            if any(int(n) > _MAX_SPEC for n in _SPEC_NUMBER.findall(text)):
                self.error(node, f"f-string widths and precisions above {_MAX_SPEC} are not allowed")
        return super().visit_FormattedValue(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        """No format/frame/mro attributes; no attributes of the modules scripts once had (json, datetime, math)."""
        if node.attr in BLOCKED_ATTRIBUTES:
            self.error(node, f"attribute '{node.attr}' is not available in diagram code")
        if isinstance(node.value, ast.Name) and node.value.id in _GONE_MODULES:
            self.error(node, f"the module '{node.value.id}' is not available in diagram code; use the helper "
                             "functions now(), add_duration(), hours_between(), days_between(), floor(), ceil()")
        return super().visit_Attribute(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        """`a ** b`, `a * b`, `a << b`, `a + b`, `a % b` become size-checked calls."""
        node = self.node_contents_visit(node)
        symbol = _GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(symbol), node.left, node.right],
                        keywords=[])
        copy_locations(call, node)
        return call


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: Mode) -> tuple[Any, tuple[str, ...]]:
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    result = compiler(source, filename="<string>", policy=_Policy)
    return result.code, tuple(result.errors)


def check_code(source: str, mode: Mode = "exec") -> list[str]:
    """What the sandbox refuses in this diagram code, one message per problem (empty: it may run)."""
    if "\x00" in source:
        return ["diagram code may not contain NUL characters"]
    _, errors = _compile(source, mode)
    return [_clean(e) for e in errors]


def _clean(error: str) -> str:
    return error.replace("RestrictedPython", "diagram code")


def check_source(source: str) -> None:
    """Raise UnsafeScriptError naming what the sandbox refuses in a script (compatibility wrapper)."""
    errors = check_code(source, "exec")
    if errors:
        raise UnsafeScriptError("; ".join(errors))


def compiled(source: str, mode: Mode) -> Any:
    """The restricted code object of diagram code (cached), or UnsafeScriptError saying what is refused."""
    code, errors = _compile(source, mode)
    if errors:
        raise UnsafeScriptError("; ".join(_clean(e) for e in errors))
    return code


def sandbox_globals() -> dict[str, Any]:
    """The namespace diagram code runs in: safe builtins, guards, plain helper functions; no modules."""
    env: dict[str, Any] = {"__builtins__": dict(SAFE_BUILTINS), "__name__": "diagram", "slice": slice}
    env.update(RUNTIME_GUARDS)
    env.update(HELPERS)
    env.update(_EXTENSIONS)
    return env


class SandboxEnvironment(TaskDataEnvironment):
    """Task-data environment that runs every expression and script through the RestrictedPython sandbox."""

    def __init__(self, extra_globals: dict[str, Any] | None = None) -> None:
        env = sandbox_globals()
        env.update(extra_globals or {})
        super().__init__(env)

    def evaluate(self, expression, context, external_context=None):  # type: ignore[no-untyped-def]
        """Evaluate an expression in the sandbox (compiled once per expression)."""
        code = compiled(expression, "eval")
        scope = dict(self.globals)
        scope.update({name: _DataHelper(fn, context) for name, fn in _DATA_HELPERS.items()})
        scope.update(external_context or {})
        scope.update(context)
        result = eval(code, scope)  # noqa: S307 - restricted code object, guarded namespace
        if may_change(expression):  # e.g. `a['b'].append(x) or True`: a nested change must be plain too
            check_data(context, {key: id(value) for key, value in context.items()})
        return result

    def execute(self, script, context, external_context=None):  # type: ignore[no-untyped-def]
        """Execute a script in the sandbox; the task data is its namespace (helpers removed afterwards)."""
        code = compiled(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        before = {key: id(value) for key, value in context.items()}
        context.update(self.globals)
        context.update(external_context or {})
        try:
            exec(code, context)  # noqa: S102 - restricted code object, guarded namespace
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        check_data(context, before)
        return True


_MUTATORS = ("append", "extend", "insert", "update", "setdefault", "add", "pop", "remove", "clear", "sort", "reverse")


@functools.lru_cache(maxsize=4096)
def may_change(expression: str) -> bool:
    """Whether an expression may change task data in place: it names a list/dict/set method that does."""
    return any(name in expression for name in _MUTATORS)


__all__ = ["DataNotPlain", "SandboxEnvironment", "SandboxViolation", "UnsafeScriptError", "check_code", "check_source",
           "extend_data_helpers", "extend_globals", "may_change"]
