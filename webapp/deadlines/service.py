"""SLA clocks on cases: apply clock commands from handlers, keep task due times, warn and record breaches."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from webapp.deadlines import business_calendar as calendar
from webapp.deadlines import clockclaim, escalation
from webapp.deadlines.clocks import Clocks
from webapp.deadlines.models import Deadline
from webapp.engine.clock import iso, now
from webapp.models import Case, Event, HumanTask, Instance, Outbox, Timer

log = logging.getLogger("closeloop.deadlines")
CLOCK_EVENTS = ("clock_started", "clock_stopped", "clock_paused", "clock_resumed")
STAFF_CHANNELS = ("in_app", "email")


def on_outcome(session: Session, instance: Instance, case: Case | None, records: list[tuple[str, dict[str, Any]]],
               status: str, actor: str, at: datetime | None = None, open_tasks: list[HumanTask] | None = None,
               new_tasks: list[dict[str, Any]] | None = None) -> list[Deadline]:
    """Apply the clock commands among an outcome's records, close clocks of ended instances, sync task due times.

    The instance's clocks are read once (at most one query) and returned, written at the caller's next flush;
    `open_tasks`, the instance's open human tasks as read, if the caller has them; `new_tasks`, new ones as values."""
    at = at or now()
    clocks = Clocks(session, instance.id)
    touched = False
    for kind, details in records:
        if kind in CLOCK_EVENTS:
            _apply(clocks, instance, case, kind, details, actor, at)
            touched = True
        elif kind == "deadline_escalated":  # the diagram's timer: the work moves up a tier as well
            escalation.on_process_miss(session, instance, case, str(details.get("clock") or ""),
                                       [str(r) for r in details.get("to") or []], at)
    if status in ("complete", "terminated"):
        for row in clocks.active("*"):
            _stop(row, at, "met" if status == "complete" else "cancelled")
            touched = True
    if touched and case is not None:
        _keep_summary(case, clocks.rows())
    _sync_task_due(session, instance, clocks, touched, open_tasks, new_tasks or [])
    return clocks.read()


def _apply(clocks: Clocks, instance: Instance, case: Case | None, kind: str, details: dict[str, Any], actor: str,
           at: datetime) -> None:
    name = str(details.get("name") or "")
    cal = calendar.current()
    if kind == "clock_started":
        for old in clocks.active(name):
            _stop(old, at, "cancelled")  # a restart replaces the running clock of that name
        business = bool(details.get("business_time"))
        duration = str(details["duration"])
        since = calendar.counted_from(details.get("since"), at)  # an earlier moment (T5: the registration)
        until = details.get("until")  # a clock started with a due time falls due at exactly that moment
        budget = max(0.0, (datetime.fromisoformat(str(until)) - since).total_seconds()) if until else \
            calendar.budget_seconds(cal, since, duration, business)
        row = Deadline(
            instance_id=instance.id, case_id=case.id if case else None, case_number=case.number if case else None,
            name=name, duration=duration, business_time=business, state="running", started_at=since,
            budget_seconds=budget, used_seconds=0.0, segment_started_at=since,
            warn_fraction=float(details.get("warn_fraction") or 0.8), warn_to=details.get("warn_to"),
            breach_to=details.get("breach_to"), started_by=actor, paused_total=0.0,
        )
        _schedule(row, cal, since)
        clocks.add(row)
        details.update(due=iso(row.due_at), warn=iso(row.warn_at))
        return
    rows = clocks.active(name)
    if not rows:
        details["note"] = "no running clock of that name"
        return
    for row in rows:
        if kind == "clock_stopped":
            _stop(row, at, "met" if row.state != "missed" and (row.due_at is None or at <= row.due_at) else "missed")
            details.update(state=row.state, due=iso(row.due_at))
        elif kind == "clock_paused" and row.state == "running":
            row.used_seconds += calendar.elapsed(cal, row.segment_started_at or at, at, row.business_time)
            row.state, row.paused_at, row.segment_started_at = "paused", at, None
            details.update(remaining_seconds=round(max(0.0, row.budget_seconds - row.used_seconds)))
        elif kind == "clock_resumed" and row.state == "paused":
            row.paused_total += (at - (row.paused_at or at)).total_seconds()
            row.state, row.paused_at, row.segment_started_at = "running", None, at
            _schedule(row, cal, at)
            details.update(due=iso(row.due_at))


def _schedule(row: Deadline, cal: calendar.BusinessCalendar, at: datetime) -> None:
    """Due and warning times from the remaining budget, counted from `at`."""
    left = max(0.0, row.budget_seconds - row.used_seconds)
    row.due_at = calendar.due_from(cal, at, left, row.business_time)
    if row.warned_at is None:
        warn_left = row.budget_seconds * row.warn_fraction - row.used_seconds
        row.warn_at = calendar.due_from(cal, at, max(0.0, warn_left), row.business_time)


def _stop(row: Deadline, at: datetime, state: str) -> None:
    if row.segment_started_at is not None:  # the last running stretch counts: used_seconds = time to stop
        row.used_seconds += calendar.elapsed(calendar.current(), row.segment_started_at, at, row.business_time)
    if row.state == "missed":
        state = "missed"  # finishing late (or restarting) does not turn a breach into anything else
    row.state, row.stopped_at = state, at
    row.segment_started_at = row.paused_at = None


def _summarize(session: Session, instance: Instance, case: Case | None) -> None:
    """Keep every clock of the case in case.record['deadlines'] (shown on the case, not only the nearest)."""
    if case is None:
        return
    rows = session.scalars(select(Deadline).where(Deadline.instance_id == instance.id).order_by(Deadline.id))
    _keep_summary(case, rows)


def _keep_summary(case: Case, rows: Iterable[Deadline]) -> None:
    """case.record['deadlines']: each clock name with its newest row."""
    summary = {r.name: describe(r) for r in rows}
    case.record = {**(case.record or {}), "deadlines": summary}


def describe(row: Deadline) -> dict[str, Any]:
    """JSON view of one clock."""
    return {"name": row.name, "state": row.state, "duration": row.duration, "business_time": row.business_time,
            "started": iso(row.started_at), "due": iso(row.due_at), "warn": iso(row.warn_at),
            "warned": iso(row.warned_at), "breached": iso(row.breached_at), "stopped": iso(row.stopped_at),
            "paused_since": iso(row.paused_at), "paused_seconds": round(row.paused_total)}


def _sync_task_due(session: Session, instance: Instance, clocks: Clocks, clocks_changed: bool,
                   open_tasks: list[HumanTask] | None, new_tasks: list[dict[str, Any]]) -> None:
    """Open tasks that name a clock take its due time (no query unless a clock changed or such a task is new)."""
    new = [o for o in session.new if isinstance(o, HumanTask) and o.instance_id == instance.id and o.clock]
    queued = [values for values in new_tasks if values.get("clock")]
    if not new and not queued and not clocks_changed:
        return
    if open_tasks is None:
        with session.no_autoflush:
            open_tasks = list(session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.state == "open", HumanTask.clock.is_not(None))))
    # the tasks open before this outcome; after a clock change, only those it left open
    tasks = new + [t for t in open_tasks if t.clock and t not in new and (t.state == "open" or not clocks_changed)]
    if not tasks and not queued:
        return
    by_name = {r.name: r for r in clocks.active("*")}
    for task in tasks:
        row = by_name.get(task.clock or "")
        if row is not None and row.due_at is not None and task.due_at != row.due_at:
            task.due_at = row.due_at  # only a change: the same value set again would still make the commit flush
    for values in queued:  # new tasks that are not ORM rows
        values["due_at"] = getattr(by_name.get(values["clock"]), "due_at", None) or values["due_at"]


def for_case(session: Session, case_id: int) -> list[Deadline]:
    """Every clock of a case, oldest first."""
    return list(session.scalars(select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id)))


def earliest_columns() -> tuple[ScalarSelect[datetime | None], ScalarSelect[datetime | None]]:
    """When the next running clock falls due, and when the next one not yet warned warns (columns for one
    statement: the worker reads them with its other due times)."""
    due = select(func.min(Deadline.due_at)).where(Deadline.state == "running").scalar_subquery()
    warn = select(func.min(Deadline.warn_at)).where(Deadline.state == "running",
                                                    Deadline.warned_at.is_(None)).scalar_subquery()
    return due, warn


def check_next(session: Session, at: datetime | None = None) -> str | None:
    """Warn or breach the earliest clock that needs it (one per transaction, skip-locked); what was done."""
    at = at or now()
    claimed = clockclaim.claim(session, at)  # its instance locked first, as every writer of its rows does
    if claimed is None:
        session.rollback()
        return None
    row, instance = claimed
    case = session.get(Case, row.case_id) if row.case_id else None
    if row.due_at is not None and row.due_at <= at:
        action, kind = "breach", "deadline_missed"
        recipients = _breach(session, row, case, at)
    else:
        action = "warning"
        row.warned_at = at
        recipients = _split(row.warn_to) or warn_recipients(session, row)
        kind = "deadline_warning"
    payload = {"clock": row.name, "due": iso(row.due_at), "started": iso(row.started_at),
               "case_number": row.case_number, "customer_name": case.customer_name if case else None}
    for recipient in recipients:
        if recipient == "customer":
            _tell_customer(session, row, case, action, payload, at)
            continue
        for channel in STAFF_CHANNELS:
            session.add(Outbox(instance_id=row.instance_id, case_id=row.case_id, channel=channel,
                               recipient=recipient, template=kind, payload=payload, next_attempt_at=at, created_at=at,
                               idempotency_key=f"deadline:{row.id}:{action}:{channel}:{recipient}"))
    if recipients:
        session.add(Event(instance_id=row.instance_id, case_id=row.case_id, at=at, actor="worker", kind=kind,
                          data={"clock": row.name, "due": iso(row.due_at), "to": recipients}))
    if instance is not None:  # its version steps: a completion that read the case before loses with a 409
        instance.updated_at = at
        if case is not None:
            session.flush()
            _summarize(session, instance, case)
    try:
        session.commit()
    except (IntegrityError, StaleDataError):  # another worker recorded this notice; SQLite: the instance moved on
        session.rollback()
        return None
    log.info("deadline %s case=%s clock=%s due=%s to=%s", action, row.case_number, row.name, iso(row.due_at),
             ",".join(recipients) or "(escalated by the process)")
    return action


def _breach(session: Session, row: Deadline, case: Case | None, at: datetime) -> list[str]:
    """Mark the clock missed; who to tell; the work moves up a tier unless the diagram handled the miss."""
    row.state, row.breached_at = "missed", at
    if row.warned_at is None:
        row.warned_at = at  # a missed clock needs no warning any more
    recipients = _split(row.breach_to) or escalation.breach_recipients(session, case)
    told = told_by_process(session, row)
    recipients = [r for r in recipients if r not in told]  # the same miss once for the same people
    if not told:
        escalation.escalate_tasks(session, row.instance_id, row.name, case, at, recipients)
    return recipients


def _tell_customer(session: Session, row: Deadline, case: Case | None, action: str, payload: dict[str, Any],
                   at: datetime) -> None:
    """A breached promise to the customer (real-estate rules 八: tell the customer in time): one mail with the case
    number when an e-mail address is known, else `notice_skipped` on the timeline; never a warning to the customer."""
    if action != "breach" or case is None:
        return
    if not case.customer_email:
        session.add(Event(instance_id=row.instance_id, case_id=case.id, at=at, actor="worker", kind="notice_skipped",
                          data={"template": "promise_missed", "recipient": "customer", "clock": row.name,
                                "reason": "no e-mail address for the customer"}))
        return
    session.add(Outbox(instance_id=row.instance_id, case_id=case.id, channel="email", recipient="customer",
                       template="promise_missed", payload=payload, next_attempt_at=at,
                       idempotency_key=f"deadline:{row.id}:{action}:email:customer"))


def told_by_process(session: Session, row: Deadline) -> set[str]:
    """Who the diagram's own timer already told about this clock's miss (handler `deadline_missed`, event
    `deadline_escalated`): the worker's breach sends them no second notice, and records no second event when
    nobody is left to tell.

    The timer is due no later than the clock (both start in one run; the clock's start is taken when the outcome is
    stored) and the worker fires timers before it checks clocks, so the process's record comes first.
    """
    if row.instance_id is None:
        return set()
    found = session.scalars(select(Event.data).where(
        Event.instance_id == row.instance_id, Event.kind == "deadline_escalated", Event.at >= row.started_at))
    return {str(r) for data in found if (data or {}).get("clock") == row.name for r in (data or {}).get("to") or []}


def warn_recipients(session: Session, row: Deadline) -> list[str]:
    """The assignee of the task that runs on this clock, else its group, else any open task's people."""
    if row.instance_id is None:
        return ["group:service_supervisor"]
    tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == row.instance_id,
                                                    HumanTask.state == "open").order_by(HumanTask.id)).all()
    on_clock = [t for t in tasks if t.clock == row.name] or list(tasks)
    out: list[str] = []
    for task in on_clock:
        who = f"user:{task.assignee}" if task.assignee else (f"group:{task.group_key}" if task.group_key else None)
        if who and who not in out:
            out.append(who)
    return out or ["group:service_supervisor"]


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def report(session: Session) -> dict[str, dict[str, int]]:
    """Counts of clocks by name and state (for on-time rates in reports)."""
    out: dict[str, dict[str, int]] = {}
    for name, state, count in session.execute(
            select(Deadline.name, Deadline.state, func.count()).group_by(Deadline.name, Deadline.state)):
        out.setdefault(name, {})[state] = count
    return out


def waiting_timers(session: Session, instance_id: int | None) -> list[Timer]:
    """The instance's timers still waiting, soonest first."""
    if instance_id is None:
        return []
    return list(session.scalars(select(Timer).where(Timer.instance_id == instance_id, Timer.state == "waiting")
                                .order_by(Timer.due_at, Timer.id)))
