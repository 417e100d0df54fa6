"""Our script engine: sandboxed scripts, and service tasks dispatched to registered handlers."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from webapp.engine.budget import note_element
from webapp.engine.cow import own_with
from webapp.engine.sandbox import DataNotPlain, SandboxEnvironment, may_change


class HandlerFailed(WorkflowTaskException):
    """A service-task handler raised; carries the handler's own exception."""


class ClosedScriptEngine(PythonScriptEngine):
    """Script engine whose call_service runs our handler registry and reports handler errors as such."""

    def __init__(self, invoke: Callable[[Any, str, dict[str, Any]], Any]) -> None:
        super().__init__(environment=SandboxEnvironment())
        self._invoke = invoke

    @classmethod
    def read_only(cls) -> ClosedScriptEngine:
        """An engine for looking at a saved instance: expressions in the sandbox, no handler may run."""

        def refuse(task: Any, operation: str, params: dict[str, Any]) -> Any:
            raise RuntimeError(f"'{operation}' cannot run while an instance is only inspected")

        return cls(refuse)

    def validate(self, expression: str) -> None:
        """Raise SyntaxError unless the text parses as Python (DMN cells: once per text, not per rule check)."""
        _parses(expression)

    def evaluate(self, task, expression, external_context=None):  # type: ignore[no-untyped-def]
        """Evaluate a condition, DMN cell, timer expression or parameter in the sandbox, noting its element."""
        note_element(_element(task))
        if may_change(expression):  # it may change a list or dict of the data in place: the task's own ones
            own_with(task, external_context)
        return super().evaluate(task, expression, external_context)

    def execute(self, task, script, external_context=None):  # type: ignore[no-untyped-def]
        """Execute a script task (or pre/post script) in the sandbox, noting its element."""
        note_element(_element(task))
        own_with(task, external_context)  # a script may change lists and dicts in place: the task's own ones
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except DataNotPlain as err:  # after the script ran: no line to point at, but the task and the key path
            spec = task.task_spec
            name = spec.bpmn_name or spec.bpmn_id or spec.name
            raise WorkflowTaskException(f"script '{name}' {err}", task=task, exception=err) from err
        except Exception as err:  # what PythonScriptEngine.execute does
            raise self.create_task_exec_exception(task, script, err) from err

    def call_service(self, task, **kwargs):  # type: ignore[no-untyped-def]
        """Run the handler of the task's operation; its result is returned as JSON for Spiff."""
        note_element(_element(task))
        operation = kwargs["operation_name"]
        params = {name: p["value"] for name, p in kwargs.get("operation_params", {}).items()}
        own_with(task, params)  # the handler gets the data (and parameters) it may change in place: the task's own
        try:
            result = self._invoke(task, operation, params)
        except WorkflowTaskException:
            raise
        except Exception as exc:
            raise HandlerFailed(
                f"handler '{operation}' failed: {type(exc).__name__}: {exc}", task=task, exception=exc
            ) from exc
        return json.dumps(result, default=str)


@lru_cache(maxsize=4096)
def _parses(text: str) -> None:
    """`PythonScriptEngine.validate`: parse the text (only texts that parse are remembered)."""
    ast.parse(text)


def _element(task: Any) -> str | None:
    spec = getattr(task, "task_spec", None)
    return (getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)) if spec is not None else None
