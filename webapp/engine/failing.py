"""The task an engine error was raised for, when SpiffWorkflow raises a plain exception (e.g. a bad timer value)."""

from __future__ import annotations

from typing import Any


def failing_task(exc: BaseException) -> Any | None:
    """The innermost diagram task (SpiffWorkflow's `my_task` argument) in the exception's traceback, or None."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        task = tb.tb_frame.f_locals.get("my_task")
        if task is not None and getattr(getattr(task, "task_spec", None), "bpmn_id", None):
            found = task
        tb = tb.tb_next
    return found
