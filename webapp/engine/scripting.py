"""Our script engine: sandboxed scripts, and service tasks dispatched to registered handlers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from webapp.engine.sandbox import SandboxEnvironment


class HandlerFailed(WorkflowTaskException):
    """A service-task handler raised; carries the handler's own exception."""


class ClosedScriptEngine(PythonScriptEngine):
    """Script engine whose call_service runs our handler registry and reports handler errors as such."""

    def __init__(self, invoke: Callable[[Any, str, dict[str, Any]], Any]) -> None:
        super().__init__(environment=SandboxEnvironment())
        self._invoke = invoke

    def call_service(self, task, **kwargs):  # type: ignore[no-untyped-def]
        """Run the handler of the task's operation; its result is returned as JSON for Spiff."""
        operation = kwargs["operation_name"]
        params = {name: p["value"] for name, p in kwargs.get("operation_params", {}).items()}
        try:
            result = self._invoke(task, operation, params)
        except WorkflowTaskException:
            raise
        except Exception as exc:
            raise HandlerFailed(
                f"handler '{operation}' failed: {type(exc).__name__}: {exc}", task=task, exception=exc
            ) from exc
        return json.dumps(result, default=str)
