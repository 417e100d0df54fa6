"""Administrator repairs on a saved instance: trace for the diagram, skip, edit data, fire a timer, reset."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from webapp.engine import clock
from webapp.engine.outcome import Outcome, RunContext, TaskNotReady
from webapp.engine.pack import ProcessBundle
from webapp.engine.runtime import Engine, _Acc
from webapp.engine.serializer import State, dump_state, forget_finished, load_state

# Element kinds an administrator may complete in place of running them (gateways and events decide the path).
SKIPPABLE = ("ServiceTask", "ScriptTask", "BusinessRuleTask", "SendTask", "ReceiveTask", "ManualTask",
             "UserTask", "NoneTask", "SimpleBpmnTask")


@dataclass
class Trace:
    """Where an instance has been and where it stands, as BPMN element ids (for highlighting)."""

    completed: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    flows: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ResetPoint:
    """A completed user task the token may be moved back to, and what moving back undoes."""

    task_id: str
    element: str
    name: str
    undoes: list[str]
    reruns: list[str]


class RepairEngine(Engine):
    """The engine plus repair operations; one object per call (it may carry a task to skip)."""

    def __init__(self, skip: tuple[str, dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._skip = skip
        self.skipped_task: str | None = None

    # -- read-only views -----------------------------------------------------
    def trace(self, bundle: ProcessBundle, state: State) -> Trace:
        """Completed, current (ready/started) and waiting elements and the sequence flows taken."""
        wf = load_state(state, bundle.spec, bundle.subprocess_specs)
        out = Trace()
        for task in wf.get_tasks():
            element = _element(task)
            if element is None:
                continue
            if task.state == TaskState.COMPLETED:
                _add(out.completed, element)
            elif task.state in (TaskState.READY, TaskState.STARTED):
                _add(out.current, element)
            elif task.state == TaskState.WAITING:
                _add(out.waiting, element)
            else:
                continue
            source = _bpmn_parent(task)
            if source is not None and not _is_boundary(task):  # a boundary event is attached, not flowed to
                _add(out.flows, (source, element))
        return out

    def element_kind(self, bundle: ProcessBundle, element: str) -> str | None:
        """The SpiffWorkflow class name of a diagram element of the process (None if unknown)."""
        specs = [bundle.spec, *bundle.subprocess_specs.values()]
        for spec in specs:
            for task_spec in spec.task_specs.values():
                if task_spec.bpmn_id == element:
                    return type(task_spec).__name__
        return None

    def frontier_data(self, bundle: ProcessBundle, state: State) -> dict[str, Any]:
        """The data the instance carries forward: merged data of its ready, started and waiting tasks."""
        wf = load_state(state, bundle.spec, bundle.subprocess_specs)
        merged: dict[str, Any] = {}
        for task in _frontier(wf):
            merged.update(task.data)
        return merged

    def reset_points(self, bundle: ProcessBundle, state: State) -> list[ResetPoint]:
        """Completed user tasks of the instance, newest first, with the tasks a reset would undo."""
        wf = load_state(state, bundle.spec, bundle.subprocess_specs)
        points: list[ResetPoint] = []
        for task in wf.get_tasks(state=TaskState.COMPLETED):
            if not task.task_spec.manual or _element(task) is None:
                continue
            undone = [t for t in task if t is not task and t.state == TaskState.COMPLETED and _element(t)]
            points.append(ResetPoint(
                task_id=str(task.id), element=_element(task) or "", name=_name(task),
                undoes=[_name(t) for t in undone],
                reruns=[_name(t) for t in undone if type(t.task_spec).__name__ in ("ServiceTask", "SendTask")],
            ))
        points.sort(key=lambda p: -_depth(wf.get_task_from_id(UUID(p.task_id))))
        return points

    # -- changes -------------------------------------------------------------
    def set_data(self, bundle: ProcessBundle, state: State, changes: dict[str, Any], removed: list[str]) -> bytes:
        """Set and remove data keys on every frontier task; returns the new state."""
        wf = load_state(state, bundle.spec, bundle.subprocess_specs)
        tasks = _frontier(wf)
        for task in tasks:
            task.data.update(changes)
            for key in removed:
                task.data.pop(key, None)
        return dump_state(wf)

    def fire_timer_now(self, bundle: ProcessBundle, state: State, task_id: str, ctx: RunContext) -> Outcome:
        """Make one waiting timer due now and run the instance until it waits again."""

        def body(acc: _Acc) -> BpmnWorkflow:
            wf = self._load(bundle, state, ctx, acc)
            task = _task(wf, task_id)
            definition = getattr(task.task_spec, "event_definition", None)
            if task.state != TaskState.WAITING or not isinstance(definition, TimerEventDefinition):
                raise TaskNotReady(task_id, TaskState.get_name(task.state))
            past = (clock.now() - timedelta(seconds=1)).isoformat()
            value = task._get_internal_data("event_value")
            if isinstance(definition, CycleTimerEventDefinition):
                if not isinstance(value, dict):
                    wf.refresh_timers()  # computes the cycle's first due time
                    value = task._get_internal_data("event_value")
                value = dict(value or {})
                value["next"] = past
            else:
                value = past
            task._set_internal_data(event_value=value)
            return self._advance(wf, ctx, acc)

        return self._attempt(ctx, body)

    def reset_to(self, bundle: ProcessBundle, state: State, task_id: str, ctx: RunContext) -> Outcome:
        """Move the token back to a completed user task (its data as it was before) and run until it waits."""

        def body(acc: _Acc) -> BpmnWorkflow:
            wf = self._load(bundle, state, ctx, acc)
            task = _task(wf, task_id)
            if task.state != TaskState.COMPLETED or not task.task_spec.manual:
                raise TaskNotReady(task_id, TaskState.get_name(task.state))
            forget_finished(wf)  # the reset may reopen a finished sub-process
            wf.reset_from_task_id(task.id)
            return self._advance(wf, ctx, acc)

        return self._attempt(ctx, body)

    # -- the skip hook: complete the failing element instead of failing -----
    def _advance(self, wf: BpmnWorkflow, ctx: RunContext, acc: _Acc) -> BpmnWorkflow:
        while True:
            try:
                return super()._advance(wf, ctx, acc)
            except Exception:
                if self._skip is None or self.skipped_task is not None:
                    raise
                element, data = self._skip
                failed = [t for t in wf.get_tasks(state=TaskState.ERROR) if _element(t) == element]
                if len(failed) != 1:
                    raise
                task = failed[0]
                task.data.update(data)
                task.complete()
                self.skipped_task = str(task.id)


def _task(wf: BpmnWorkflow, task_id: str) -> Any:
    try:
        task = wf.get_task_from_id(UUID(task_id))
    except (SpiffWorkflowException, ValueError):
        task = None
    if task is None:
        raise TaskNotReady(task_id, None)
    return task


def _frontier(wf: BpmnWorkflow) -> list[Any]:
    mask = TaskState.READY | TaskState.STARTED | TaskState.WAITING
    tasks = [t for t in wf.get_tasks(state=mask) if _element(t) is not None]
    if tasks:
        return tasks
    last = wf.last_task
    return [last] if last is not None else [wf.task_tree]


def _element(task: Any) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def _name(task: Any) -> str:
    spec = task.task_spec
    return str(spec.bpmn_name or spec.bpmn_id or spec.name)


def _bpmn_parent(task: Any) -> str | None:
    """The nearest ancestor that is a diagram element (Spiff inserts helper tasks in between)."""
    parent = task.parent
    while parent is not None:
        element = _element(parent)
        if element is not None:
            return element
        parent = parent.parent
    return None


def _is_boundary(task: Any) -> bool:
    return type(task.task_spec).__name__ == "BoundaryEvent"


def _depth(task: Any) -> int:
    depth = 0
    while task is not None and task.parent is not None:
        depth, task = depth + 1, task.parent
    return depth


def _add(items: list[Any], item: Any) -> None:
    if item not in items:
        items.append(item)
