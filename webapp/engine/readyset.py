"""The READY tasks of a top workflow and its called processes, kept as tasks change state instead of found by
scanning every task of every process on each look-up.

An engine step looks for ready tasks about 16 times per completion on the real pack (once per active called process
and pass, most finding none), each a scan of every task of the instance, history included. A task only becomes
READY through `Task._set_state` (`Task._ready`, `_sync_children`, called processes and multi-instance tasks all go
through it), so the first look-up on a workflow object scans once and remembers the READY tasks on the top
workflow, and from then on `_set_state` adds every task set READY. A look-up drops the remembered tasks that are no
longer READY or no longer in their process's task dict; the caller keeps only those of the processes it asks about.
When `Task._set_state` is not ours (a test putting SpiffWorkflow's own back), look-ups scan, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from SpiffWorkflow import Workflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

# A top workflow's `_closeloop_ready`: {task: None} of every task set READY since its first look-up (None before).
# A plain attribute with a class default, not an entry of `workflow.__dict__` (reading that on Python 3.11 slows
# every later attribute read on the object: see webapp/engine/cow.py).
_READY = TaskState.READY
_inner: Callable[[Task, int], None] = Task._set_state


def _set_state(self: Task, value: int) -> None:
    """`Task._set_state`, remembering a task set READY on its top workflow (once that has been looked at)."""
    if value == _READY:
        workflow = self.workflow
        top = getattr(workflow, "top_workflow", workflow)  # a called process holds its top; a top is its own
        remembered = top._closeloop_ready
        if remembered is not None:
            remembered[self] = None
    _inner(self, value)


def ready(top: Any) -> list[Any]:
    """Every READY task in the task dict of its process, for `top` and the processes it called (in no order); the
    tasks of a called process that `top` no longer holds may be among them."""
    if Task._set_state is not _set_state:  # not kept up to date: scan (and forget what was kept)
        top._closeloop_ready = None
        return scan(top)
    remembered = top._closeloop_ready
    if remembered is None:
        found = scan(top)
        top._closeloop_ready = dict.fromkeys(found)
        return found
    found = [t for t in remembered if t._state == _READY and t.workflow.tasks.get(t.id) is t]
    if len(found) != len(remembered):
        top._closeloop_ready = dict.fromkeys(found)
    return found


def scan(top: Any) -> list[Any]:
    """The READY tasks of `top` and of every process it called, from their task dicts."""
    workflows = [top, *top.subprocesses.values()]
    return [t for wf in workflows for t in wf.tasks.values() if t._state == _READY]


def install() -> None:
    """Let `Task._set_state` (as installed so far: webapp/engine/quietlog.py's) remember READY tasks, process-wide."""
    global _inner
    Workflow._closeloop_ready = None  # type: ignore[attr-defined]
    if Task._set_state is not _set_state:
        _inner = Task._set_state
        Task._set_state = _set_state  # type: ignore[method-assign]
