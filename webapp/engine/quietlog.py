"""SpiffWorkflow's log records made only when its loggers would emit them.

SpiffWorkflow 3.2 builds the `extra` of a log record on every task state change (a dict naming the spec, the
state, the parent; the task data when the logger has no level of its own) and, when a (sub)workflow starts or
completes, a list of all its task ids from a whole-tree walk, then hands it to a logger that is usually not enabled
for INFO or DEBUG: about a tenth of the CPU of an engine step on the real pack. These versions do the same work
and make the same records, but build a record only when `logger.isEnabledFor` its level (as `Logger.info` would
check first); the worker, which logs at INFO, still gets every record.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from SpiffWorkflow import Workflow
from SpiffWorkflow import task as spiff_task
from SpiffWorkflow import workflow as spiff_workflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

_task_log = spiff_task.logger
_workflow_log = spiff_workflow.logger
_spiff_set_state = Task._set_state
_workflow_extras = Workflow.collect_log_extras


def _set_state(self: Task, value: int) -> None:
    """`Task._set_state`: force the state; log the change (INFO) or the unchanged state (DEBUG) when enabled."""
    if value != self._state:
        elapsed = time.time() - self.last_state_change
        self.last_state_change = time.time()
        self._state = value
        if _task_log.isEnabledFor(logging.INFO):
            _task_log.info(f"State changed to {TaskState.get_name(value)}",
                           extra=self.collect_log_extras({"elapsed": elapsed}))
    elif _task_log.isEnabledFor(logging.DEBUG):
        _task_log.debug(f"State set to {TaskState.get_name(value)}", extra=self.collect_log_extras())


def _collect_workflow_extras(self: Workflow, dct: dict[str, Any] | None = None) -> dict[str, Any]:
    """`Workflow.collect_log_extras` (only ever the `extra` of an INFO record): empty when that is not made."""
    if _workflow_log.isEnabledFor(logging.INFO):
        return _workflow_extras(self, dct)
    return dct or {}


def install() -> None:
    """Put these in SpiffWorkflow's place, process-wide."""
    Task._set_state = _set_state  # type: ignore[method-assign]
    Workflow.collect_log_extras = _collect_workflow_extras  # type: ignore[method-assign]
