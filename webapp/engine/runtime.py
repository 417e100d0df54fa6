"""Run process instances: start, complete a task, fire timers; report what happened as an Outcome."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from handlers.registry import HandlerContext, Notice, get_handler
from webapp.engine import budget, clock
from webapp.engine.failing import failing_task
from webapp.engine.outcome import ErrorInfo, HumanTaskInfo, Outcome, RunContext, TaskNotReady, TimerInfo
from webapp.engine.pack import FORM_PROPERTY, ProcessBundle, group_for_lane
from webapp.engine.scripting import ClosedScriptEngine
from webapp.engine.serializer import State, dump_state, load_state
from webapp.engine.subflows import diagram_of
from webapp.engine.walk import engine_steps, ready_tasks
from webapp.engine.wfcache import CACHE, restore

_NOT_FINISHED = TaskState.NOT_FINISHED_MASK


class Engine:
    """Stateless runner: every call takes the bundle and the saved state and returns an Outcome."""

    def __init__(self, invoke: Callable[[HandlerContext, str, dict[str, Any]], Any] | None = None) -> None:
        self._invoke_handler = invoke or _call_registered

    # -- public operations -------------------------------------------------
    def start(self, bundle: ProcessBundle, data: dict[str, Any], ctx: RunContext) -> Outcome:
        """Create a workflow from the bundle with the given data and run it until it waits."""
        return self._attempt(ctx, lambda acc: self._start(bundle, data, ctx, acc))

    def complete(
        self, bundle: ProcessBundle, state: State, task_id: str, data: dict[str, Any], ctx: RunContext
    ) -> Outcome:
        """Merge the submitted data into a READY user task, complete it and run until the instance waits."""
        return self._attempt(ctx, lambda acc: self._complete(bundle, state, task_id, data, ctx, acc))

    def fire_timers(self, bundle: ProcessBundle, state: State, ctx: RunContext) -> Outcome:
        """Let every timer that is due by the clock fire, and run until the instance waits again."""
        return self._attempt(ctx, lambda acc: self._advance(self._load(bundle, state, ctx, acc), ctx, acc))

    def inspect(self, bundle: ProcessBundle, state: State) -> Outcome:
        """Describe a saved instance without running anything (task properties evaluated in the sandbox)."""
        wf = load_state(state, bundle.spec, bundle.subprocess_specs)
        return self._describe(wf, _Acc())

    def task_data(self, bundle: ProcessBundle, state: State, task_id: str, key: str = "") -> dict[str, Any]:
        """The current data of one task (form prefill); `key`, the instance id, lets it use the cache."""
        wf = restore(key, state, bundle.spec, bundle.subprocess_specs)
        task = wf.get_task_from_id(UUID(task_id))
        CACHE.put(key, state, bundle.spec, wf)  # read only: the workflow still is what `state` says
        return dict(task.data)

    # -- internals ---------------------------------------------------------
    def _attempt(self, ctx: RunContext, body: Callable[[_Acc], BpmnWorkflow]) -> Outcome:
        try:
            with budget.step_budget():
                return self._describe(body(acc := _Acc()), acc)
        except TaskNotReady:
            raise
        except Exception as exc:  # any script/gateway/handler failure or budget overrun ends the attempt
            return Outcome(state=None, status="error", data={}, error=_error_info(exc))

    def _load(self, bundle: ProcessBundle, state: State, ctx: RunContext, acc: _Acc) -> BpmnWorkflow:
        wf = restore(ctx.instance_id, state, bundle.spec, bundle.subprocess_specs)
        wf.script_engine = self._script_engine(ctx, acc)  # neither the serializer nor the cache keeps it
        acc.bundle, acc.key = bundle, ctx.instance_id
        return wf

    def _start(self, bundle: ProcessBundle, data: dict[str, Any], ctx: RunContext, acc: _Acc) -> BpmnWorkflow:
        wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=self._script_engine(ctx, acc))
        acc.bundle, acc.key = bundle, ctx.instance_id
        acc.timers_before = []
        start = wf.task_tree
        start.data.update(data)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(data)
        return self._advance(wf, ctx, acc)

    def _complete(
        self, bundle: ProcessBundle, state: State, task_id: str, data: dict[str, Any], ctx: RunContext, acc: _Acc
    ) -> BpmnWorkflow:
        wf = self._load(bundle, state, ctx, acc)
        acc.timers_before = _waiting_timers(wf)
        try:
            task = wf.get_task_from_id(UUID(task_id))
        except (SpiffWorkflowException, ValueError):
            raise TaskNotReady(task_id, None) from None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(task_id, TaskState.get_name(task.state) if task is not None else None)
        task.data.update(data)
        task.run()
        acc.completed.append((str(task.id), task.task_spec.bpmn_id or task.task_spec.name, ctx.actor))
        return self._advance(wf, ctx, acc)

    def _advance(self, wf: BpmnWorkflow, ctx: RunContext, acc: _Acc) -> BpmnWorkflow:
        def did(task: Any) -> None:
            acc.ran.append(task)

        waiting = wf.top_workflow.event_manager.tasks
        wf.refresh_timers()
        for _ in range(10_000):  # bounded: a diagram whose timers refire forever must not hang us
            while engine_steps(wf, did):  # Spiff 3.2's do_engine_steps without its refresh (webapp/engine/walk.py)
                pass
            before = dict(waiting)
            wf.refresh_timers()
            if waiting.keys() == before.keys() and all(t.state == TaskState.WAITING for t in before.values()):
                break  # no timer fell due: one more pass over every task would find nothing to run
        return wf

    def _script_engine(self, ctx: RunContext, acc: _Acc) -> ClosedScriptEngine:
        def invoke(task: Any, operation: str, params: dict[str, Any]) -> Any:
            hctx = HandlerContext(
                instance_id=ctx.instance_id,
                case_number=ctx.case_number,
                data=task.data,
                actor=ctx.actor,
                now=clock.now(),
                task_id=str(task.id),
                task_name=task.task_spec.bpmn_id or task.task_spec.name,
                history=ctx.history,
                timer=_fired_timer(task),
            )
            result = self._invoke_handler(hctx, operation, params)
            acc.notices.extend(hctx.notices)
            acc.records.extend(hctx.records)
            acc.case_updates.update(hctx.case_updates)
            acc.links.extend(n for n in hctx.links if n not in acc.links)
            return result

        return ClosedScriptEngine(invoke)

    def _describe(self, wf: BpmnWorkflow, acc: _Acc) -> Outcome:
        ready = ready_tasks(wf, manual=True)
        waiting = list(wf.top_workflow.event_manager.tasks.values())
        timers = _waiting_timers(wf)
        messages = [t for t in waiting if isinstance(t.task_spec.event_definition, MessageEventDefinition)]
        if _is_completed(wf):
            status = "complete"
        elif ready:
            status = "user_input"
        elif timers or messages:
            status = "waiting"
        else:
            status = "running"
        last = wf.last_task
        data = dict(last.data) if last is not None else dict(wf.task_tree.data)
        key = acc.bundle.key if acc.bundle else wf.spec.name
        state = dump_state(wf)
        human_tasks = [_human_task(t, key, wf) for t in ready]
        if acc.key:  # the next call on this instance starts from this very state: keep the workflow
            wf.script_engine = ClosedScriptEngine.read_only()  # not the run's (it holds the session's history)
            CACHE.put(acc.key, state, wf.spec, wf)
        return Outcome(
            state=state,
            status=status,
            data=data,
            human_tasks=human_tasks,
            timers=timers,
            notices=acc.notices,
            records=acc.records,
            case_updates=acc.case_updates,
            links=acc.links,
            completed=acc.completed,
            timers_before=acc.timers_before,
        )


@dataclass
class _Acc:
    bundle: ProcessBundle | None = None
    key: str = ""  # the instance id, when the workflow may be cached after the call
    ran: list[Any] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    case_updates: dict[str, Any] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    completed: list[tuple[str, str, str]] = field(default_factory=list)
    timers_before: list[TimerInfo] | None = None


def _is_completed(wf: BpmnWorkflow) -> bool:
    """`wf.is_completed()`: no task of the top process is unfinished (its walk meets every task of the tree until it
    finds one; the tree's tasks are those of the flat dict), remembered as Spiff remembers it."""
    if not wf.completed and not any(t._state & _NOT_FINISHED for t in wf.tasks.values()):
        wf.completed = True
    return bool(wf.completed)


def _waiting_timers(wf: BpmnWorkflow) -> list[TimerInfo]:
    return [info for t in wf.top_workflow.event_manager.tasks.values() if (info := _timer_info(t)) is not None]


def _call_registered(ctx: HandlerContext, operation: str, params: dict[str, Any]) -> Any:
    fn = get_handler(operation)
    if fn is None:
        raise LookupError(f"no handler registered for operation '{operation}'")
    return fn(ctx, **params)


def _human_task(task: Any, process_key: str, wf: BpmnWorkflow) -> HumanTaskInfo:
    spec = task.task_spec
    props = (spec.extensions or {}).get("properties", {})
    group = group_for_lane(spec.lane)
    assignee = None
    engine = wf.script_engine
    if props.get("assignGroup") and engine is not None:
        group = str(engine.evaluate(task, props["assignGroup"]))
    if props.get("assignUser") and engine is not None:
        assignee = engine.evaluate(task, props["assignUser"]) or None
    return HumanTaskInfo(
        task_id=str(task.id),
        spec_id=spec.bpmn_id or spec.name,
        title=spec.bpmn_name or spec.bpmn_id or spec.name,
        lane=spec.lane,
        group=group,
        assignee=assignee,
        form=props.get(FORM_PROPERTY),
        due_in=props.get("dueIn"),
        clock=props.get("clock"),
        process_key=diagram_of(task.workflow) or process_key,
    )


def _fired_timer(task: Any) -> str | None:
    """The ISO duration/date a timer event on this task's branch states (its expression evaluated), if any."""
    node = task.parent
    while node is not None and node.workflow is task.workflow:
        definition = getattr(node.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            try:
                return str(task.workflow.script_engine.evaluate(node, definition.expression))
            except SpiffWorkflowException:
                return None
        if getattr(node.task_spec, "bpmn_id", None) is not None and not _is_event(node):
            return None  # another element came between: not the timer's own branch
        node = node.parent
    return None


def _is_event(task: Any) -> bool:
    return getattr(task.task_spec, "event_definition", None) is not None


def _timer_info(task: Any) -> TimerInfo | None:
    definition = task.task_spec.event_definition
    if not isinstance(definition, TimerEventDefinition):
        return None
    value = task._get_internal_data("event_value")
    due: datetime | None = None
    if isinstance(definition, CycleTimerEventDefinition):
        if isinstance(value, dict) and value.get("next"):
            due = _plain(datetime.fromisoformat(value["next"]))
    elif isinstance(value, str):
        try:
            due = _plain(TimerEventDefinition.get_datetime(value))
        except ValueError:
            due = None
    spec = task.task_spec
    return TimerInfo(str(task.id), spec.bpmn_id or spec.name, spec.bpmn_name or definition.name or "", due)


def _error_info(exc: Exception) -> ErrorInfo:
    trace = "".join(traceback.format_exception(exc))
    info = ErrorInfo(message=str(exc.args[0]) if exc.args else type(exc).__name__, trace=trace[-8000:])
    info.element = getattr(exc, "element", None)  # budget.Overrun names the element it stopped at
    task = exc.task if isinstance(exc, WorkflowTaskException) else None if info.element else failing_task(exc)
    if task is not None:  # a plain exception (a timer's bad value) is placed on the task Spiff was working on
        spec = task.task_spec
        info.task_id = str(task.id)
        info.task_name = spec.bpmn_name or spec.bpmn_id
        info.element = spec.bpmn_id or spec.name
        info.line = getattr(exc, "line_number", None) or None
        info.error_line = getattr(exc, "error_line", None) or None
        notes = getattr(exc, "notes", None) or getattr(exc, "__notes__", None)
        if notes:
            info.message = f"{info.message} ({'; '.join(str(n) for n in notes)})"
    return info


def _plain(value: datetime) -> datetime:
    """A plain aware UTC datetime (Spiff may hand back our clock's datetime subclass)."""
    return datetime.fromtimestamp(value.timestamp(), UTC)
