"""Where an instance has been, per diagram: its own process and each process it called (for the admin diagram)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from webapp.engine.pack import ProcessBundle
from webapp.engine.repair import Trace, _add, _bpmn_parent, _element, _is_boundary
from webapp.engine.serializer import load_state
from webapp.engine.subflows import diagram_of
from webapp.engine.subflows import is_call as _is_call


@dataclass
class CallSite:
    """The call activity (in the calling process's diagram) that runs a called process."""

    parent: str
    element: str


@dataclass
class ProcessTraces:
    """One trace per diagram (process id), how the called ones were reached, and where an error stands."""

    top: str
    processes: dict[str, Trace] = field(default_factory=dict)
    calls: dict[str, CallSite] = field(default_factory=dict)
    errored: tuple[str, str] | None = None  # (process, element)

    def errored_path(self) -> list[tuple[str, str]]:
        """(process, element) pairs to mark red: the errored element and each call activity leading to it."""
        if self.errored is None:
            return []
        path, key = [self.errored], self.errored[0]
        while key in self.calls and len(path) <= len(self.calls):
            site = self.calls[key]
            path.append((site.parent, site.element))
            key = site.parent
        return path


def trace_processes(bundle: ProcessBundle, state: str, error: dict[str, Any] | None = None) -> ProcessTraces:
    """Completed/current/waiting elements and flows taken, per diagram; the errored element's diagram."""
    wf = load_state(state, bundle.spec, bundle.subprocess_specs)
    out = ProcessTraces(top=str(wf.spec.name))
    out.processes[out.top] = Trace()
    for sp_id, sub in wf.subprocesses.items():
        caller = wf.get_task_from_id(sp_id)
        if caller is not None and _is_call(caller):
            out.calls.setdefault(str(sub.spec.name), CallSite(diagram_of(caller.workflow), _element(caller) or ""))
    for task in wf.get_tasks():
        element = _element(task)
        if element is None or task.state not in (TaskState.COMPLETED, TaskState.READY, TaskState.STARTED,
                                                 TaskState.WAITING):
            continue
        trace = out.processes.setdefault(diagram_of(task.workflow), Trace())
        bucket = {TaskState.COMPLETED: trace.completed, TaskState.WAITING: trace.waiting}.get(task.state,
                                                                                           trace.current)
        _add(bucket, element)
        source = _bpmn_parent(task)
        if source is not None and not _is_boundary(task) and task.parent.workflow is task.workflow:
            _add(trace.flows, (source, element))
    if error and error.get("element"):
        out.errored = (_error_process(wf, bundle, error, out), str(error["element"]))
    return out


def _error_process(wf: Any, bundle: ProcessBundle, error: dict[str, Any], out: ProcessTraces) -> str:
    """The diagram of the failed task: by its task id in the saved state, else the (reached) process naming it."""
    try:
        task = wf.get_task_from_id(UUID(str(error.get("task_id"))))
    except (ValueError, TaskNotFoundException):  # no id, or a task of the failed attempt (not in the saved state)
        task = None
    if task is not None:
        return diagram_of(task.workflow)
    element = error["element"]
    reached = [key for key, trace in out.processes.items() if element in trace.current + trace.waiting]
    if reached:
        return reached[0]
    specs = {bundle.spec.name: bundle.spec, **bundle.subprocess_specs}
    named = [key for key, spec in specs.items() if key in out.processes
             and any(s.bpmn_id == element for s in spec.task_specs.values())]
    return named[0] if named else out.top
