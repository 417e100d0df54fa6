"""Administrator repairs that run the engine: retry, skip, edit data, fire a timer now, move the token back."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.admin.actions import FINISHED, ActionResult, Ctx, begin, finish, snapshot
from webapp.engine.clock import iso, now
from webapp.engine.durations import add_iso_duration
from webapp.engine.outcome import Outcome, TaskNotReady
from webapp.engine.repair import SKIPPABLE, RepairEngine
from webapp.errors import Conflict, Invalid, NotFound
from webapp.models import HumanTask, Instance, Timer, User
from webapp.tasks.service import form_schema
from webapp.workflow import transitions as runtime
from webapp.workflow.definitions import bundle_for
from webapp.workflow.forms import validated
from webapp.workflow.store import add_event, apply_outcome

MAX_DATA_BYTES = 1_000_000


def retry(session: Session, instance_id: int, user: User, reason: str, bulk_id: str | None = None) -> ActionResult:
    """Run the failed attempt again from the last good state (after a fix in data, config or code)."""
    ctx = begin(session, instance_id, user, reason, "retry", bulk_id)
    inst = ctx.instance
    if inst.status != "error" or not inst.pending_action:
        raise Conflict(f"instance {inst.id} is {inst.status}; only an instance stopped on an error can be retried")
    before = snapshot(inst) | {"attempts": (inst.error or {}).get("attempts")}
    outcome = runtime.replay_pending(session, inst, user.username)
    after = snapshot(inst) | {"attempts": (inst.error or {}).get("attempts")}
    if outcome.error is not None:
        return finish(ctx, before, after, ok=False, target=before.get("element"),
                      message=f"still failing: {outcome.error.message}")
    return finish(ctx, before, after, target=before.get("element"), message=f"retried; now {inst.status}")


def skip(session: Session, instance_id: int, user: User, reason: str, data: Any,
         task_id: int | None = None) -> ActionResult:
    """Complete a task without running it: the errored task, or an open human task, with the given data."""
    ctx = begin(session, instance_id, user, reason, "skip")
    if not isinstance(data, dict):
        raise Invalid("the data must be a JSON object", {"data": "expected an object"})
    if task_id is not None:
        return _skip_human_task(ctx, task_id, data)
    if ctx.instance.status != "error":
        raise Conflict(f"instance {instance_id} is {ctx.instance.status}; name an open task to skip, or skip the "
                       "failed task of an instance stopped on an error")
    return _skip_failed(ctx, data)


def _skip_human_task(ctx: Ctx, task_id: int, data: dict[str, Any]) -> ActionResult:
    task = ctx.session.get(HumanTask, task_id)
    if task is None or task.instance_id != ctx.instance.id:
        raise NotFound(f"task {task_id} is not a task of instance {ctx.instance.id}")
    if task.state != "open" or ctx.instance.status != "user_input":
        raise Conflict(f"task '{task.title}' is {task.state} and the instance is {ctx.instance.status}; only an "
                       "open task of a running instance can be skipped")
    clean = validated(form_schema(ctx.instance, task), data)
    before = snapshot(ctx.instance) | {"task": task.title}
    runtime.complete_task(ctx.session, task, clean, ctx.user.username)
    after = snapshot(ctx.instance) | {"data": clean}
    ok = ctx.instance.status != "error"
    msg = f"'{task.title}' completed by an administrator" if ok else \
        f"'{task.title}' completed, then the instance failed: {(ctx.instance.error or {}).get('message')}"
    return finish(ctx, before, after, ok=ok, target=f"task {task.id} {task.title}", message=msg)


def _skip_failed(ctx: Ctx, data: dict[str, Any]) -> ActionResult:
    inst, session = ctx.instance, ctx.session
    element = (inst.error or {}).get("element")
    if not element:
        raise Conflict("the error is not attached to a task; edit the data and retry instead")
    bundle = bundle_for(inst.definition)
    engine = RepairEngine(skip=(element, data))
    kind = engine.element_kind(bundle, element)
    if kind not in SKIPPABLE:
        raise Conflict(f"'{element}' is a {kind}, not a task; gateways and events decide the path and cannot be "
                       "skipped: fix the data and retry instead")
    pending = inst.pending_action or {}
    actor = pending.get("actor", ctx.user.username)
    run_ctx = runtime.run_context(session, inst, ctx.case, ctx.user.username)
    before = snapshot(inst)
    outcome = runtime.run_pending(engine, inst, run_ctx)
    if outcome.error is not None:
        session.rollback()
        raise Conflict(f"skipping '{element}' did not get the instance going: {outcome.error.message} "
                       f"(at {outcome.error.element}); nothing was changed")
    runtime.record_replayed_completion(session, inst, ctx.case, outcome, ctx.user.username)
    if engine.skipped_task:
        add_event(session, inst, ctx.case, ctx.user.username, "task_skipped", {"data": data, "reason": ctx.reason},
                  engine.skipped_task, (inst.error or {}).get("task_name"))
    apply_outcome(session, inst, ctx.case, outcome, actor, fired=pending.get("kind") == "fire_timers")
    msg = f"'{element}' skipped; now {inst.status}" if engine.skipped_task else \
        f"'{element}' did not fail this time and ran normally; now {inst.status}"
    return finish(ctx, before, snapshot(inst) | {"data": data}, target=element, message=msg)


def current_data(instance: Instance) -> dict[str, Any]:
    """The data the instance carries forward (or the data of the failed start)."""
    if instance.state is None:
        return dict((instance.pending_action or {}).get("data") or {})
    return RepairEngine().frontier_data(bundle_for(instance.definition), instance.state)


def data_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Keys added, removed and changed (with old and new values)."""
    return {
        "added": {k: new[k] for k in new if k not in old},
        "removed": {k: old[k] for k in old if k not in new},
        "changed": {k: {"old": old[k], "new": new[k]} for k in new if k in old and _j(old[k]) != _j(new[k])},
    }


def preview_data(session: Session, instance_id: int, user: User, data: Any) -> dict[str, Any]:
    """Validate new instance data and say what would change (nothing is saved)."""
    ctx = begin(session, instance_id, user, "preview", "edit_data")
    new = _checked_data(data)
    _editable(ctx.instance)
    return data_diff(current_data(ctx.instance), new)


def edit_data(session: Session, instance_id: int, user: User, reason: str, data: Any) -> ActionResult:
    """Replace the instance data by the given object (validated; only differences are written)."""
    ctx = begin(session, instance_id, user, reason, "edit_data")
    inst = ctx.instance
    new = _checked_data(data)
    _editable(inst)
    old = current_data(inst)
    diff = data_diff(old, new)
    if not any(diff.values()):
        raise Conflict("the data is unchanged; nothing to save")
    changes = {**diff["added"], **{k: v["new"] for k, v in diff["changed"].items()}}
    removed = list(diff["removed"])
    if inst.state is not None:
        inst.state = RepairEngine().set_data(bundle_for(inst.definition), inst.state, changes, removed)
    pending = dict(inst.pending_action or {})
    if isinstance(pending.get("data"), dict):  # a retry replays the failed submission: fix it there too
        submitted = dict(pending["data"])
        keys = set(submitted) if inst.state is not None else set(submitted) | set(changes)
        submitted.update({k: v for k, v in changes.items() if k in keys})
        for key in removed:
            submitted.pop(key, None)
        pending["data"] = submitted
        inst.pending_action = pending
    return finish(ctx, {"status": inst.status, "data": {k: old[k] for k in [*diff["changed"], *removed]}},
                  {"status": inst.status, "data": changes, "removed": removed}, message="data changed",
                  extra={"diff": diff})


def _editable(instance: Instance) -> None:
    if instance.status in FINISHED:
        raise Conflict(f"instance {instance.id} is {instance.status}; its data can no longer change anything")


def _checked_data(data: Any) -> dict[str, Any]:
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise Invalid(f"the data is not valid JSON: {exc}", {"data": str(exc)}) from None
    if not isinstance(data, dict):
        raise Invalid("the data must be a JSON object", {"data": "expected an object {...}"})
    if len(_j(data)) > MAX_DATA_BYTES:
        raise Invalid("the data is too large", {"data": f"at most {MAX_DATA_BYTES} bytes"})
    bad = [k for k in data if not k.isidentifier()]
    if bad:
        raise Invalid("data keys must be names usable in scripts and conditions",
                      {"data": "bad keys: " + ", ".join(bad[:5])})
    return data


def fire_timer(session: Session, instance_id: int, user: User, reason: str, timer_id: int) -> ActionResult:
    """Fire one waiting timer now and run the instance on."""
    ctx = begin(session, instance_id, user, reason, "fire_timer")
    inst = ctx.instance
    timer = session.get(Timer, timer_id)
    if timer is None or timer.instance_id != inst.id:
        raise NotFound(f"timer {timer_id} is not a timer of instance {instance_id}")
    if timer.state != "waiting" or inst.status not in ("waiting", "user_input", "running"):
        raise Conflict(f"timer '{timer.name}' is {timer.state} and the instance is {inst.status}; only a waiting "
                       "timer of an active instance can be fired")
    before = snapshot(inst) | {"timer": timer.name or timer.spec_id, "due_at": iso(timer.due_at)}
    outcome = _run(RepairEngine().fire_timer_now, inst, ctx, timer.task_id, "firing the timer")
    timer.due_at = now()  # recorded as fired now (persist marks a timer fired when it was due)
    apply_outcome(session, inst, ctx.case, outcome, ctx.user.username, fired=True)
    return finish(ctx, before, snapshot(inst) | {"fired_at": iso(timer.fired_at)},
                  target=f"timer {timer.id} {timer.name}", message=f"timer fired; now {inst.status}")


def reset(session: Session, instance_id: int, user: User, reason: str, task_id: str) -> ActionResult:
    """Move the token back to a completed user task; the tasks after it are undone and will run again."""
    ctx = begin(session, instance_id, user, reason, "reset")
    inst = ctx.instance
    if inst.status in (*FINISHED, "suspended") or inst.state is None:
        raise Conflict(f"instance {inst.id} is {inst.status}; the token can only be moved back in an active "
                       "instance (resume a suspended one first)")
    points = {p.task_id: p for p in RepairEngine().reset_points(bundle_for(inst.definition), inst.state)}
    point = points.get(task_id)
    if point is None:
        raise Conflict("that is not a completed user task of this instance; the token can only be moved back to "
                       "one of: " + (", ".join(p.name for p in points.values()) or "none"))
    before = snapshot(inst)
    outcome = _run(RepairEngine().reset_to, inst, ctx, task_id, "moving the token back")
    _revive(session, outcome)
    apply_outcome(session, inst, ctx.case, outcome, ctx.user.username)
    return finish(ctx, before, snapshot(inst) | {"undone": point.undoes, "will_run_again": point.reruns},
                  target=f"{point.name} ({point.element})", message=f"token moved back to '{point.name}'")


def _run(operation: Any, inst: Instance, ctx: Ctx, task_id: str, what: str) -> Outcome:
    run_ctx = runtime.run_context(ctx.session, inst, ctx.case, ctx.user.username)
    try:
        outcome: Outcome = operation(bundle_for(inst.definition), inst.state or "", task_id, run_ctx)
    except TaskNotReady as exc:
        raise Conflict(f"{what} is not possible: the task is {exc.state or 'gone'}") from None
    if outcome.error is not None:
        ctx.session.rollback()
        raise Conflict(f"{what} ran into an error, so nothing was changed: {outcome.error.message} "
                       f"(at {outcome.error.element})")
    return outcome


def _revive(session: Session, outcome: Outcome) -> None:
    """Reopen the rows of tasks and timers that a reset made live again (their ids are kept)."""
    at = now()
    for info in outcome.human_tasks:
        row = session.scalars(select(HumanTask).where(HumanTask.task_id == info.task_id)).first()
        if row is not None and row.state != "open":
            row.state, row.completed_at, row.completed_by, row.draft = "open", None, None, None
            row.assignee, row.created_at = info.assignee, at
            row.due_at = add_iso_duration(at, info.due_in) if info.due_in else None
    for timer in outcome.timers:
        trow = session.scalars(select(Timer).where(Timer.task_id == timer.task_id)).first()
        if trow is not None and trow.state != "waiting":
            trow.state, trow.fired_at, trow.due_at = "waiting", None, timer.due_at


def _j(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
