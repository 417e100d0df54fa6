"""Stuck instances: each rule is an SQL condition over the side tables (no workflow is ever loaded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from webapp.masterdata.staffing import manned_units
from webapp.models import Group, HumanTask, Instance, Membership, Outbox, Timer, User
from webapp.web.i18n import group_name, pack_text

RULES = ("error", "overdue_unclaimed", "timer_late", "no_path", "outbox_failing", "idle", "notice_to_nobody",
         "task_to_nobody")
RULE_TITLES = {
    "error": "stopped on an error",
    "overdue_unclaimed": "a task is past its deadline and nobody has claimed it",
    "timer_late": "a timer is overdue (worker not running or failing)",
    "no_path": "not complete, but no ready task, no waiting timer and no waiting message",
    "outbox_failing": "a message keeps failing to deliver",
    "idle": "no activity for too long while not waiting on a person",
    "notice_to_nobody": "a notice went to a group, department or service point that has no active member "
                        "(nobody will act on it)",
    "task_to_nobody": "an unclaimed task waits in the queue of a group, department or service point that has no "
                      "active member",
}
UNIT_PREFIXES = ("department:", "department_head:", "service_point:", "service_point_head:")
DELIVERED = ("sent", "delivered", "read", "cancelled")  # outbox states that need nothing more
FIREABLE = ("running", "waiting", "user_input")  # statuses whose timers the worker fires
FINISHED = ("complete", "terminated")


@dataclass(frozen=True)
class StuckSettings:
    """Thresholds of the rules (from the app configuration)."""

    timer_grace: timedelta = timedelta(minutes=1)
    outbox_attempts: int = 3
    idle_after: timedelta = timedelta(hours=72)
    manned_units: frozenset[str] = frozenset()  # department/service point addresses with an active person

    @classmethod
    def from_config(cls, config: Any, session: Session | None = None) -> StuckSettings:
        """Read STUCK_* keys from a mapping (e.g. app.config); with a session, who staffs the departments and
        service points (master data)."""
        return cls(
            timer_grace=timedelta(seconds=int(config.get("STUCK_TIMER_GRACE_SECONDS", 60))),
            outbox_attempts=int(config.get("STUCK_OUTBOX_ATTEMPTS", 3)),
            idle_after=timedelta(hours=float(config.get("STUCK_IDLE_HOURS", 72))),
            manned_units=frozenset(manned_units(session)) if session is not None else frozenset(),
        )


@dataclass
class Reason:
    """Why one instance is stuck: the rule and a sentence an administrator can act on."""

    rule: str
    text: str


def _open_tasks() -> Any:
    return select(HumanTask.id).where(HumanTask.instance_id == Instance.id, HumanTask.state == "open")


def rule_condition(rule: str, at: datetime, settings: StuckSettings) -> ColumnElement[bool]:
    """The WHERE condition on Instance for one rule."""
    if rule == "error":
        return Instance.status == "error"
    if rule == "overdue_unclaimed":
        late = _open_tasks().where(HumanTask.assignee.is_(None), HumanTask.due_at < at)
        return and_(Instance.status.in_(FIREABLE), exists(late))
    if rule == "timer_late":
        late = select(Timer.id).where(Timer.instance_id == Instance.id, Timer.state == "waiting",
                                      Timer.due_at < at - settings.timer_grace)
        return and_(Instance.status.in_(FIREABLE), exists(late))
    if rule == "no_path":
        return or_(Instance.status == "running",
                   and_(Instance.status == "user_input", ~exists(_open_tasks())))
    if rule == "outbox_failing":
        failing = select(Outbox.id).where(Outbox.instance_id == Instance.id, _failing(settings))
        return and_(Instance.status.notin_(("terminated",)), exists(failing))
    if rule == "idle":
        planned = select(Timer.id).where(Timer.instance_id == Instance.id, Timer.state == "waiting",
                                         Timer.due_at >= at)
        return and_(Instance.status.in_(("running", "waiting")), Instance.updated_at < at - settings.idle_after,
                    ~exists(planned))
    if rule == "notice_to_nobody":
        return exists(_notices_to_nobody(settings).where(Outbox.instance_id == Instance.id))
    if rule == "task_to_nobody":
        return exists(_tasks_to_nobody(settings).where(HumanTask.instance_id == Instance.id))
    return false()


def _active_members(key: Any) -> Any:
    return (select(Membership.id).join(Group, Group.id == Membership.group_id)
            .join(User, User.id == Membership.user_id).where(Group.key == key, User.is_active.is_(True)))


def _unit(column: Any, settings: StuckSettings) -> ColumnElement[bool]:
    """The address is a department or service point nobody active is in (or that is not kept)."""
    return and_(or_(*(column.like(p + "%") for p in UNIT_PREFIXES)), column.notin_(sorted(settings.manned_units)))


def _notices_to_nobody(settings: StuckSettings) -> Any:
    """In-app notices addressed to a group without an active member (or no such group), or to a department or
    service point nobody active is in."""
    group = and_(Outbox.recipient.like("group:%"), ~exists(_active_members(func.substr(Outbox.recipient, 7))))
    return select(Outbox.id).where(Outbox.channel == "in_app", or_(group, _unit(Outbox.recipient, settings)))


def _tasks_to_nobody(settings: StuckSettings) -> Any:
    """Open unclaimed tasks whose queue (a group, a department, a service point) has nobody active in it."""
    group = and_(HumanTask.group_key.notlike("%:%"), ~exists(_active_members(HumanTask.group_key)))
    return select(HumanTask.id).where(HumanTask.state == "open", HumanTask.assignee.is_(None),
                                      HumanTask.group_key.is_not(None),
                                      or_(group, _unit(HumanTask.group_key, settings)))


def _failing(settings: StuckSettings) -> ColumnElement[bool]:
    """Given up by the worker, or still retrying after many failed attempts."""
    return or_(Outbox.status == "dead",
               and_(Outbox.status.notin_(DELIVERED), Outbox.attempts >= settings.outbox_attempts))


def stuck_condition(at: datetime, settings: StuckSettings, rule: str | None = None) -> ColumnElement[bool]:
    """Any rule (or the one named) holds."""
    if rule:
        return rule_condition(rule, at, settings)
    return or_(*(rule_condition(r, at, settings) for r in RULES))


def count_by_rule(session: Session, at: datetime, settings: StuckSettings) -> dict[str, int]:
    """How many instances each rule catches, plus 'any'."""
    counts = {r: session.scalar(select(func.count(Instance.id)).where(rule_condition(r, at, settings))) or 0
              for r in RULES}
    counts["any"] = session.scalar(select(func.count(Instance.id)).where(stuck_condition(at, settings))) or 0
    return counts


def reasons_for(session: Session, ids: list[int], at: datetime, settings: StuckSettings) -> dict[int, list[Reason]]:
    """The reasons of each given instance that is stuck (instances not stuck are absent)."""
    out: dict[int, list[Reason]] = {}
    if not ids:
        return out
    for rule in RULES:
        matched = session.scalars(select(Instance).where(Instance.id.in_(ids), rule_condition(rule, at, settings)))
        for instance in matched:
            out.setdefault(instance.id, []).append(Reason(rule, _explain(session, rule, instance, at, settings)))
    return out


def _explain(session: Session, rule: str, instance: Instance, at: datetime, settings: StuckSettings) -> str:
    """The reason in words, in the reader's language (the API reads it in English)."""
    if rule == "error":
        err = instance.error or {}
        return _("error at '%(where)s': %(message)s (%(n)s attempt(s))",
                 where=pack_text(err.get("task_name")) or err.get("element") or "?",
                 message=err.get("message") or _("unknown error"), n=err.get("attempts", 1))
    if rule == "overdue_unclaimed":
        task = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state == "open", HumanTask.assignee.is_(None),
            HumanTask.due_at < at).order_by(HumanTask.due_at)).first()
        if task is not None and task.due_at is not None:
            return _("task '%(title)s' was due %(ago)s ago (%(due)s UTC) and nobody in '%(group)s' has claimed it",
                     title=pack_text(task.title), ago=_ago(at - task.due_at), due=f"{task.due_at:%Y-%m-%d %H:%M}",
                     group=group_name(task.group_key))
    if rule == "timer_late":
        timer = session.scalars(select(Timer).where(
            Timer.instance_id == instance.id, Timer.state == "waiting",
            Timer.due_at < at - settings.timer_grace).order_by(Timer.due_at)).first()
        if timer is not None and timer.due_at is not None:
            return _("timer '%(timer)s' was due %(ago)s ago and has not fired: is the worker running?",
                     timer=timer.name or timer.spec_id, ago=_ago(at - timer.due_at))
    if rule == "no_path":
        return _("status '%(status)s' but no open task, no waiting timer and no waiting message",
                 status=instance.status)
    if rule in ("outbox_failing", "notice_to_nobody", "task_to_nobody"):
        return _explain_delivery(session, rule, instance, settings) or RULE_TITLES[rule]
    if rule == "idle":
        return _("no activity for %(ago)s (status '%(status)s', nobody's turn)", ago=_ago(at - instance.updated_at),
                 status=instance.status)
    return RULE_TITLES.get(rule, rule)


def _explain_delivery(session: Session, rule: str, instance: Instance, settings: StuckSettings) -> str | None:
    if rule == "outbox_failing":
        msg = session.scalars(select(Outbox).where(Outbox.instance_id == instance.id, _failing(settings))
                              .order_by(Outbox.id)).first()
        if msg is not None:
            failed = _("%(channel)s '%(template)s' to %(to)s failed %(n)s times", channel=msg.channel,
                       template=msg.template, to=msg.recipient, n=msg.attempts)
            gave_up = f" {_('(the worker gave up: dead)')}" if msg.status == "dead" else ""
            return f"{failed}{gave_up}: {(msg.last_error or _('no error text'))[:200]}"
    if rule == "notice_to_nobody":
        msg = session.scalars(_notices_to_nobody(settings).with_only_columns(Outbox).where(
            Outbox.instance_id == instance.id).order_by(Outbox.id)).first()
        if msg is not None:
            return _("notice '%(template)s' went to %(to)s, which has no active member: add members (group, or the "
                     "department/service point in master data) or change the recipient in the diagram",
                     template=msg.template, to=msg.recipient)
    if rule == "task_to_nobody":
        task = session.scalars(_tasks_to_nobody(settings).with_only_columns(HumanTask).where(
            HumanTask.instance_id == instance.id).order_by(HumanTask.id)).first()
        if task is not None:
            return _("task '%(title)s' waits in the queue '%(group)s', which has no active member: add members "
                     "(group, or the department/service point in master data) or assign the task",
                     title=pack_text(task.title), group=group_name(task.group_key))
    return None


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return _("%(n)s min", n=minutes)
    if minutes < 48 * 60:
        return _("%(h)s h %(m)s min", h=minutes // 60, m=minutes % 60)
    return _("%(n)s days", n=minutes // 1440)
