"""Start instances, complete tasks and fire timers: load, advance, persist, all in one transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from webapp.assessments.service import start_pending as start_assessments
from webapp.engine.clock import now
from webapp.engine.outcome import Outcome, RunContext, TaskNotReady
from webapp.engine.runtime import Engine
from webapp.errors import Conflict, NotFound, lost_race
from webapp.models import Case, HumanTask, Instance, ProcessDefinition, Timer
from webapp.workflow.definitions import bundle_for, bundle_of, form_schema, latest_definition
from webapp.workflow.history import DbHistory
from webapp.workflow.rows import Rows
from webapp.workflow.store import add_event, apply_outcome

_engine = Engine()


def run_context(session: Session, instance: Instance, case: Case | None, actor: str) -> RunContext:
    """The engine context of an instance: ids, actor and history access."""
    return RunContext(str(instance.id), case.number if case else "", actor, DbHistory(session, case))


def start_instance(session: Session, process_key: str, data: dict[str, Any], actor: str,
                   case: Case | None = None, main: bool = True) -> Instance:
    """Create an instance of the newest version of a process and run it until it waits (no commit).

    `main=False`: an instance beside the case's own (an assessment): its tasks and events name the case, but it
    does not become `case.instance_id` and its end does not close the case.
    """
    definition = latest_definition(session, process_key)
    if definition is None:
        raise NotFound(f"no process '{process_key}' is deployed; run `closeloop deploy` first")
    instance = Instance(definition_id=definition.id, process_key=process_key, status="running",
                        created_by=actor, created_at=now(), updated_at=now())
    session.add(instance)
    session.flush()
    if case is not None and main:
        case.instance_id = instance.id
    add_event(session, instance, case, actor, "instance_started", {"process": process_key,
                                                                   "version": definition.version})
    outcome = _engine.start(bundle_for(definition), data, run_context(session, instance, case, actor))
    _store(session, instance, case, outcome, actor, {"kind": "start", "data": data}, open_tasks=[])  # none yet
    return instance


def complete_task(session: Session, task: HumanTask, data: dict[str, Any], actor: str,
                  open_tasks: list[HumanTask] | None = None) -> Instance:
    """Complete a READY human task with validated data and advance the instance (no commit).

    `open_tasks`: the instance's open human tasks if the caller has read them already.
    """
    instance = _instance(session, task.instance_id)
    if instance.status in ("error", "suspended", "terminated"):
        raise Conflict(f"case is {instance.status}; the task cannot be completed until an administrator "
                       f"{'repairs' if instance.status == 'error' else 'resumes'} it")
    case = session.get(Case, task.case_id) if task.case_id else None
    bundle = bundle_for(instance.definition)
    try:
        outcome = _engine.complete(bundle, instance.state or "", task.task_id, data,
                                   run_context(session, instance, case, actor))
    except TaskNotReady as exc:
        raise Conflict(f"task is no longer open ({exc.state})") from None
    if outcome.error is not None:
        _record_error(session, instance, case, outcome, actor,
                      {"kind": "complete", "task_id": task.task_id, "data": data, "actor": actor})
        return instance
    rows = Rows()
    rows.event(instance, case, actor, "task_completed", {"data": data}, task.task_id, task.title)
    apply_outcome(session, instance, case, outcome, actor, rows=rows, open_tasks=open_tasks)
    start_assessments(session, actor, start_instance)
    from webapp.lessons.service import on_review  # step 6 keeps a lesson

    on_review(session, case, task.form_key, data, actor)
    return instance


def fire_instance_timers(session: Session, instance: Instance, actor: str = "timer") -> Outcome:
    """Fire the due timers of one instance (no commit)."""
    case = session.scalars(select(Case).where(Case.instance_id == instance.id)).first()
    return fire_loaded(session, instance, case, None, actor=actor)


def fire_loaded(session: Session, instance: Instance, case: Case | None, waiting: list[Timer] | None,
                open_tasks: list[HumanTask] | None = None, actor: str = "timer") -> Outcome:
    """Fire the due timers of an instance whose case (and waiting timer rows and open human tasks, if given) the
    caller read (no commit)."""
    ctx = run_context(session, instance, case, actor)
    outcome = _engine.fire_timers(bundle_of(instance), instance.state or "", ctx)
    _store(session, instance, case, outcome, actor, {"kind": "fire_timers"}, fired=True, waiting=waiting,
           open_tasks=open_tasks)
    return outcome


def replay_pending(session: Session, instance: Instance, actor: str) -> Outcome:
    """Run the attempt that failed again (after a fix) from the last good state (no commit)."""
    pending = instance.pending_action or {}
    case = session.scalars(select(Case).where(Case.instance_id == instance.id)).first()
    outcome = run_pending(_engine, instance, run_context(session, instance, case, actor))
    if outcome.error is None:
        record_replayed_completion(session, instance, case, outcome, actor)
    _store(session, instance, case, outcome, pending.get("actor", actor), pending,
           fired=pending.get("kind") == "fire_timers")
    return outcome


def run_pending(engine: Engine, instance: Instance, ctx: RunContext) -> Outcome:
    """Run the instance's failed attempt (start, complete or fire timers) on `engine` from the last good state."""
    pending = instance.pending_action or {}
    bundle = bundle_for(instance.definition)
    if pending.get("kind") == "start":
        return engine.start(bundle, pending.get("data", {}), ctx)
    if pending.get("kind") == "complete":
        try:
            return engine.complete(bundle, instance.state or "", pending["task_id"], pending.get("data", {}), ctx)
        except TaskNotReady as exc:
            raise Conflict(f"the failed task is no longer open ({exc.state})") from None
    return engine.fire_timers(bundle, instance.state or "", ctx)


def record_replayed_completion(session: Session, instance: Instance, case: Case | None, outcome: Outcome,
                               replayed_by: str) -> None:
    """A replayed task completion counts as its first author's: history event and the outcome's completed list."""
    pending = instance.pending_action or {}
    if pending.get("kind") != "complete":
        return
    actor = pending.get("actor", replayed_by)
    task = session.scalars(select(HumanTask).where(HumanTask.task_id == pending["task_id"])).first()
    add_event(session, instance, case, actor, "task_completed",
              {"data": pending.get("data", {}), "replayed_by": replayed_by}, pending["task_id"],
              task.title if task else None)
    outcome.completed = [(pending["task_id"], "", actor)]


def _store(session: Session, instance: Instance, case: Case | None, outcome: Outcome, actor: str,
           action: dict[str, Any], fired: bool = False, waiting: list[Timer] | None = None,
           open_tasks: list[HumanTask] | None = None) -> None:
    if outcome.error is not None:
        _record_error(session, instance, case, outcome, actor, action)
        return
    apply_outcome(session, instance, case, outcome, actor, fired=fired, waiting_timers=waiting, open_tasks=open_tasks)
    start_assessments(session, actor, start_instance)  # one `assessment` instance per proposal just recorded


def _record_error(session: Session, instance: Instance, case: Case | None, outcome: Outcome, actor: str,
                  action: dict[str, Any]) -> None:
    """Keep the last good state; store the error and the attempt so an admin can retry it."""
    err = outcome.error
    assert err is not None
    previous = instance.error or {}
    at = now().isoformat()
    detail = err.as_dict() | {
        "first_at": previous.get("first_at", at) if previous.get("element") == err.element else at,
        "last_at": at,
        "attempts": (previous.get("attempts", 0) + 1) if previous.get("element") == err.element else 1,
    }
    instance.error = detail
    instance.pending_action = action
    old = instance.status
    instance.status = "error"
    instance.updated_at = now()
    add_event(session, instance, case, actor, "error",
              {"message": err.message, "element": err.element, "line": err.line, "from": old})


def _instance(session: Session, instance_id: int) -> Instance:
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    return instance


def commit_or_conflict(session: Session, message: str = "the case changed while you worked; reload") -> None:
    """Commit; a concurrent change (optimistic lock) becomes a Conflict and nothing is written."""
    try:
        session.commit()
    except (StaleDataError, DBAPIError) as exc:
        if not lost_race(exc):
            raise
        session.rollback()
        raise Conflict(message) from None


__all__ = ["ProcessDefinition", "commit_or_conflict", "complete_task", "fire_instance_timers", "fire_loaded",
           "start_instance"]


def task_form_data(instance: Instance, task: HumanTask, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The task's current data limited to its form's fields (prefill), plus a saved draft if any.

    A field naming `x-prefill-from` (a data key, dotted for nested values; `extra` adds sources from outside the
    workflow data, e.g. the customer's own survey) starts with that value when the source has one."""
    schema = form_schema(instance, task) or {}
    props = schema.get("properties") or {}
    data = _engine.task_data(bundle_for(instance.definition), instance.state or "", task.task_id, str(instance.id))
    prefill = {k: v for k, v in data.items() if k in props}
    sources = {**data, **(extra or {})}
    for key, sub in props.items():
        source = sub.get("x-prefill-from") if isinstance(sub, dict) else None
        value = _dotted(sources, source) if isinstance(source, str) else None
        if value not in (None, ""):
            prefill[key] = value
    return {**prefill, **(task.draft or {})}


def _dotted(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
