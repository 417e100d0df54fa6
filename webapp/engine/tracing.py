"""Where an instance has been, per diagram: its own process and each process it called (for the admin diagram)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from webapp.engine.pack import ProcessBundle
from webapp.engine.repair import Trace, _add, _bpmn_parent, _element, _is_boundary
from webapp.engine.serializer import State, load_state


@dataclass
class CallSite:
    """The call activity (in the calling diagram) that runs a called process, and which process that is."""

    parent: str  # the calling diagram's key
    element: str
    process: str = ""


@dataclass
class ProcessTraces:
    """One trace per diagram, how the called ones were reached, and where an error stands.

    A diagram's key is the top process id, or the path of call activities that led to a called process
    ('complaint/call_grievance/grade'): a process called from several call activities gets a trace per call; a
    call activity run again (a loop) shows its newest run.
    """

    top: str
    processes: dict[str, Trace] = field(default_factory=dict)
    calls: dict[str, CallSite] = field(default_factory=dict)
    errored: tuple[str, str] | None = None  # (diagram key, element)

    def errored_path(self) -> list[tuple[str, str]]:
        """(diagram, element) pairs to mark red: the errored element and each call activity leading to it."""
        if self.errored is None:
            return []
        path, key = [self.errored], self.errored[0]
        while key in self.calls and len(path) <= len(self.calls):
            site = self.calls[key]
            path.append((site.parent, site.element))
            key = site.parent
        return path


def _is_call(task: Any) -> bool:
    return type(task.task_spec).__name__ == "CallActivity"


def _calling_task(workflow: Any) -> Any | None:
    """The call activity that runs a (sub)workflow, or None for the top workflow (embedded sub-processes are part
    of their diagram)."""
    while isinstance(workflow, BpmnSubWorkflow):
        parent = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        if parent is None or _is_call(parent):
            return parent
        workflow = parent.workflow
    return None


def diagram_key(workflow: Any, top: str) -> str:
    """The key of the diagram showing a (sub)workflow's elements: the top process, or the path of call activities."""
    caller = _calling_task(workflow)
    if caller is None:
        return top
    return f"{diagram_key(caller.workflow, top)}/{_element(caller) or ''}"


def _newest_runs(wf: Any, out: ProcessTraces) -> set[Any]:
    """The sub-workflow shown for each call: its newest run; fills out.calls."""
    newest: dict[str, tuple[float, Any]] = {}
    for sp_id, sub in wf.subprocesses.items():
        caller = wf.get_task_from_id(sp_id)
        if caller is None or not _is_call(caller):
            continue
        key = diagram_key(sub, out.top)
        out.calls.setdefault(key, CallSite(diagram_key(caller.workflow, out.top), _element(caller) or "",
                                           str(sub.spec.name)))
        changed = float(getattr(caller, "last_state_change", 0) or 0)
        if key not in newest or changed >= newest[key][0]:
            newest[key] = (changed, sp_id)
    return {sp_id for _, sp_id in newest.values()}


def _shown(workflow: Any, runs: set[Any]) -> bool:
    """Whether a (sub)workflow's tasks belong on a diagram: it and the calls above it are the newest runs."""
    while isinstance(workflow, BpmnSubWorkflow):
        caller = _calling_task(workflow)
        if caller is None:
            return True
        if caller.id not in runs:
            return False
        workflow = caller.workflow
    return True


def trace_processes(bundle: ProcessBundle, state: State, error: dict[str, Any] | None = None) -> ProcessTraces:
    """Completed/current/waiting elements and flows taken, per diagram (per call); the errored element's diagram."""
    wf = load_state(state, bundle.spec, bundle.subprocess_specs)
    out = ProcessTraces(top=str(wf.spec.name))
    out.processes[out.top] = Trace()
    runs = _newest_runs(wf, out)
    for task in wf.get_tasks():
        element = _element(task)
        if element is None or task.state not in (TaskState.COMPLETED, TaskState.READY, TaskState.STARTED,
                                                 TaskState.WAITING) or not _shown(task.workflow, runs):
            continue
        trace = out.processes.setdefault(diagram_key(task.workflow, out.top), Trace())
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
        return diagram_key(task.workflow, out.top)
    element = error["element"]
    reached = [key for key, trace in out.processes.items() if element in trace.current + trace.waiting]
    if reached:
        return reached[0]
    specs = {bundle.spec.name: bundle.spec, **bundle.subprocess_specs}
    process = {key: site.process for key, site in out.calls.items()} | {out.top: out.top}
    named = [key for key in out.processes if process.get(key) in specs
             and any(s.bpmn_id == element for s in specs[process[key]].task_specs.values())]
    return named[0] if named else out.top
