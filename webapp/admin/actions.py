"""Administrator actions on instances: checks, audit and the simple ones (suspend, resume, terminate, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.admin import audit
from webapp.admin.queue import candidates
from webapp.engine.clock import now
from webapp.errors import Conflict, Forbidden, Invalid, NotFound
from webapp.models import Case, HumanTask, Instance, Outbox, Timer, User
from webapp.web.i18n import group_name
from webapp.workflow.store import add_event
from webapp.workflow.transitions import commit_or_conflict

ACTIONS = ("retry", "skip", "edit_data", "reassign", "suspend", "resume", "terminate", "fire_timer", "redeliver",
           "reset")
BULK_ACTIONS = ("retry", "suspend", "resume", "terminate", "redeliver")
SUSPENDABLE = ("running", "waiting", "user_input", "error")
FINISHED = ("complete", "terminated")
DELIVERED = ("sent", "delivered", "read")
MIN_REASON = 3


@dataclass
class ActionResult:
    """What one action did to one instance."""

    instance_id: int
    action: str
    ok: bool
    status: str
    message: str
    audit_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


@dataclass
class Ctx:
    """One action in progress: who, why, on what (loaded and checked by begin())."""

    session: Session
    user: User
    reason: str
    instance: Instance
    case: Case | None
    action: str
    bulk_id: str | None = None


def check_admin(user: User) -> None:
    """Refuse anyone without the admin role."""
    if not user.has_role("admin"):
        raise Forbidden(gettext("instance repairs need the admin role"))


def begin(session: Session, instance_id: int, user: User, reason: str | None, action: str,
          bulk_id: str | None = None) -> Ctx:
    """Check role and reason, load the instance and its case."""
    check_admin(user)
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise Invalid(gettext("say why you do this; the reason goes to the audit log"), {"reason": "required"})
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(gettext("instance %(id)s not found", id=instance_id))
    case = session.scalars(select(Case).where(Case.instance_id == instance.id)).first()
    return Ctx(session, user, text[:2000], instance, case, action, bulk_id)


def snapshot(instance: Instance) -> dict[str, Any]:
    """The instance facts an audit entry keeps before and after."""
    err = instance.error or {}
    return {"status": instance.status, "error": err.get("message"), "element": err.get("element"),
            "pending": (instance.pending_action or {}).get("kind")}


def finish(ctx: Ctx, before: dict[str, Any], after: dict[str, Any], *, target: str | None = None,
           ok: bool = True, message: str = "done", extra: dict[str, Any] | None = None) -> ActionResult:
    """Write the audit entry and the history event, bump the instance version, commit."""
    actor = ctx.user.username
    entry = audit.record(ctx.session, actor, ctx.action, ctx.instance, ctx.reason, before, after, case=ctx.case,
                         target=target, result="ok" if ok else "failed", message=message, bulk_id=ctx.bulk_id)
    add_event(ctx.session, ctx.instance, ctx.case, actor, f"admin_{ctx.action}",
              {"reason": ctx.reason, "target": target, "result": "ok" if ok else "failed", "message": message,
               **(extra or {})})
    ctx.instance.updated_at = now()
    commit_or_conflict(ctx.session, "the instance changed while you acted on it; reload and try again")
    return ActionResult(ctx.instance.id, ctx.action, ok, ctx.instance.status, message, entry.id)


def suspend(session: Session, instance_id: int, user: User, reason: str, bulk_id: str | None = None) -> ActionResult:
    """Stop an instance: no timers fire and no task can be completed until it is resumed."""
    ctx = begin(session, instance_id, user, reason, "suspend", bulk_id)
    inst = ctx.instance
    if inst.status not in SUSPENDABLE:
        raise Conflict(f"instance {inst.id} is {inst.status}; only running, waiting, user_input or error "
                       "instances can be suspended")
    before = snapshot(inst)
    inst.status_before_suspend, inst.status = inst.status, "suspended"
    return finish(ctx, before, snapshot(inst), message=f"suspended (was {before['status']})")


def resume(session: Session, instance_id: int, user: User, reason: str, bulk_id: str | None = None) -> ActionResult:
    """Put a suspended instance back in the status it had; due timers fire on the worker's next round."""
    ctx = begin(session, instance_id, user, reason, "resume", bulk_id)
    inst = ctx.instance
    if inst.status != "suspended":
        raise Conflict(f"instance {inst.id} is {inst.status}, not suspended; there is nothing to resume")
    before = snapshot(inst)
    inst.status, inst.status_before_suspend = inst.status_before_suspend or "running", None
    return finish(ctx, before, snapshot(inst), message=f"resumed as {inst.status}")


def terminate(session: Session, instance_id: int, user: User, reason: str, bulk_id: str | None = None) -> ActionResult:
    """End an instance for good: its open tasks and timers are cancelled; the case shows why."""
    ctx = begin(session, instance_id, user, reason, "terminate", bulk_id)
    inst, at = ctx.instance, now()
    if inst.status in FINISHED:
        raise Conflict(f"instance {inst.id} is already {inst.status}")
    before = snapshot(inst)
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id,
                                                         HumanTask.state == "open")))
    for task in tasks:
        task.state, task.completed_at = "cancelled", at
    timers = list(session.scalars(select(Timer).where(Timer.instance_id == inst.id, Timer.state == "waiting")))
    for timer in timers:
        timer.state = "cancelled"
    inst.status, inst.status_before_suspend, inst.pending_action = "terminated", None, None
    if ctx.case is not None:
        before["case_status"] = ctx.case.status
        ctx.case.status = "terminated"
        ctx.case.record = {**(ctx.case.record or {}),
                           "terminated": {"by": user.username, "at": at.isoformat(), "reason": ctx.reason}}
        ctx.case.updated_at = at
    after = snapshot(inst) | {"cancelled_tasks": [t.title for t in tasks], "cancelled_timers": len(timers)}
    if ctx.case is not None:
        after["case_status"] = "terminated"
    return finish(ctx, before, after, message="terminated")


def reassign(session: Session, instance_id: int, user: User, reason: str, task_id: int,
             username: str | None) -> ActionResult:
    """Give an open human task to a named member of its group (or back to the group queue with no name)."""
    ctx = begin(session, instance_id, user, reason, "reassign")
    task = session.get(HumanTask, task_id)
    if task is None or task.instance_id != ctx.instance.id:
        raise NotFound(f"task {task_id} is not a task of instance {instance_id}")
    if task.state != "open":
        raise Conflict(f"task '{task.title}' is {task.state}; only open tasks can be reassigned")
    target = (username or "").strip() or None
    if target is not None:
        other = session.scalars(select(User).where(User.username == target)).first()
        if other is None or not other.is_active:
            raise Invalid(f"no active user '{target}'", {"username": "unknown or inactive user"})
        _check_member(session, task, target)
    if target == task.assignee:
        raise Conflict(f"task '{task.title}' is already {'assigned to ' + target if target else 'unassigned'}")
    before = snapshot(ctx.instance) | {"assignee": task.assignee}
    task.assignee = target
    add_event(session, ctx.instance, ctx.case, user.username, "task_assigned",
              {"from": before["assignee"], "to": target, "by_admin": True}, task.task_id, task.title)
    return finish(ctx, before, snapshot(ctx.instance) | {"assignee": target}, target=f"task {task.id} {task.title}",
                  message=f"'{task.title}' {'assigned to ' + target if target else 'returned to the group queue'}")


def _check_member(session: Session, task: HumanTask, target: str) -> None:
    """Refuse a person outside the task's queue (or, for a queue nobody active works in, outside the supervisors)."""
    offered = candidates(session, task)
    if target in offered.usernames:
        return
    names = ", ".join(sorted(offered.usernames)) or gettext("nobody")
    if offered.fallback:
        raise Invalid(gettext("%(user)s is not a service supervisor; %(queue)s has no active member, so the task "
                               "can go to a service supervisor: %(names)s", user=target,
                               queue=group_name(task.group_key), names=names), {"username": "not a supervisor"})
    raise Invalid(gettext("%(user)s is not a member of %(queue)s, the queue that works this task; it can go to: "
                           "%(names)s", user=target, queue=group_name(task.group_key), names=names),
                   {"username": "not a member of the task's queue"})


def redeliverable(message: Outbox) -> bool:
    """A message that failed (given up, or failed at least once and waiting to retry) and is not in flight."""
    return message.status == "dead" or (message.status == "pending" and message.attempts > 0)


def redeliver(session: Session, instance_id: int, user: User, reason: str, outbox_id: int | None = None,
              bulk_id: str | None = None) -> ActionResult:
    """Put failed outbox messages (one, or all of the instance) back to pending for the worker."""
    ctx = begin(session, instance_id, user, reason, "redeliver", bulk_id)
    stmt = select(Outbox).where(Outbox.instance_id == ctx.instance.id)
    if outbox_id is not None:
        stmt = stmt.where(Outbox.id == outbox_id)
    rows = list(session.scalars(stmt.order_by(Outbox.id)))
    if outbox_id is not None and not rows:
        raise NotFound(f"message {outbox_id} is not a message of instance {instance_id}")
    targets = [m for m in rows if redeliverable(m)]
    if not targets:
        one = rows[0] if outbox_id is not None else None
        if one is not None and one.status in DELIVERED:
            raise Conflict(f"message {outbox_id} was already delivered at {one.sent_at}; "
                           "delivering it again would send it twice")
        if one is not None and one.status == "sending":
            raise Conflict(f"message {outbox_id} is being sent by a worker right now; wait for the result")
        raise Conflict(f"instance {instance_id} has no failed message to re-deliver")
    before = snapshot(ctx.instance) | {"messages": [_msg(m) for m in targets]}
    at = now()
    for message in targets:
        message.status, message.attempts, message.next_attempt_at = "pending", 0, at
    after = snapshot(ctx.instance) | {"messages": [_msg(m) for m in targets]}
    names = ", ".join(f"#{m.id} to {m.recipient}" for m in targets)
    return finish(ctx, before, after, target=names, message=f"{len(targets)} message(s) back in the queue: {names}")


def _msg(message: Outbox) -> dict[str, Any]:
    return {"id": message.id, "to": message.recipient, "template": message.template, "status": message.status,
            "attempts": message.attempts, "last_error": message.last_error}
