"""Write an engine Outcome to the instance row and its side tables (inside the caller's transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm import InstanceState, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from webapp.db_setup import hold_write_lock
from webapp.deadlines.service import on_outcome as apply_clocks
from webapp.engine.clock import iso, now
from webapp.engine.durations import add_iso_duration
from webapp.engine.outcome import Outcome, TimerInfo
from webapp.engine.pack import group_for_lane
from webapp.masterdata import issues, units
from webapp.models import Case, CaseLink, Event, HumanTask, Instance, Timer
from webapp.workflow.rows import Rows, event_row

CASE_COLUMNS = ("grade", "tier", "kind", "status", "category", "subject")


def add_event(session: Session, instance: Instance | None, case: Case | None, actor: str, kind: str,
              data: dict[str, Any] | None = None, task_id: str | None = None,
              task_name: str | None = None) -> None:
    """Append one history event (an ORM row, written at the next flush)."""
    session.add(Event(**event_row(instance, case, actor, kind, data, task_id, task_name)))


def apply_outcome(session: Session, instance: Instance, case: Case | None, outcome: Outcome, actor: str,
                  fired: bool = False, rows: Rows | None = None, open_tasks: list[HumanTask] | None = None,
                  waiting_timers: list[Timer] | None = None) -> None:
    """Store state, status, human tasks, timers, outbox rows, links and events of a successful attempt.

    `rows` may hold events queued before (they come first); `open_tasks` and `waiting_timers`, the instance's open
    human tasks and waiting timer rows when the caller has read them already (no second query).
    """
    at = now()
    rows = rows if rows is not None else Rows()
    previous = instance.status
    # the version-checked UPDATE goes first: a concurrent writer fails here, cleanly
    values: dict[str, Any] = {"state": outcome.state, "status": outcome.status, "updated_at": at}
    values |= {key: None for key in ("error", "pending_action") if getattr(instance, key) is not None}
    write_instance(session, instance, values, rows)
    if case is not None:
        _apply_case_updates(session, case, instance, outcome, at)
        rows.changes_of(case)  # its UPDATE goes with the transition's other rows
    completed_ids = {tid for tid, _, _ in outcome.completed}
    _sync_human_tasks(session, instance, case, outcome, actor, at, completed_ids, rows, open_tasks)
    _sync_timers(session, instance, case, outcome, actor, at, fired, rows, waiting_timers)
    for notice in outcome.notices:
        rows.message(instance, case, notice.channel, notice.recipient, notice.template,
                     _with_case(notice.payload, case), notice.key, at)
        rows.event(instance, case, actor, "notice_queued",
                   {"channel": notice.channel, "to": notice.recipient, "template": notice.template})

    for clock in apply_clocks(session, instance, case, outcome.records, outcome.status, actor, at, open_tasks,
                              rows.new_tasks):
        rows.changes_of(clock)  # a stored clock's change goes with the rows (a new one is the ORM's)
    from webapp.assessments.service import on_records as keep_assessments  # the assessment register

    keep_assessments(session, case, outcome.records, actor, at)
    for kind, details in outcome.records:
        rows.event(instance, case, actor, kind, details)
    if previous != outcome.status:
        rows.event(instance, case, actor, "status_changed", {"from": previous, "to": outcome.status})
    rows.write(session)  # updates and new human tasks follow at the caller's commit


# the instance's version-checked UPDATE as a Core statement (SET from the parameters' names)
_INSTANCE = Instance.__table__
_WRITE_INSTANCE = update(_INSTANCE).where(_INSTANCE.c.id == bindparam("b_id"),
                                          _INSTANCE.c.lock_version == bindparam("b_version"))


def write_instance(session: Session, instance: Instance, values: dict[str, Any], rows: Rows | None = None) -> None:
    """Write these columns of a stored instance and step its lock_version in one UPDATE that names the version it
    read; StaleDataError if a concurrent writer changed the row first (as the ORM's versioned flush raises).

    Without the ORM's unit of work: now, or on PostgreSQL in a session that does not autoflush, at the start of
    `rows`' combined write (the loaded instance says so at once). An instance with other pending changes (or a new
    one) is flushed by the ORM, now."""
    state: InstanceState[Instance] = inspect(instance)
    if not state.persistent or any(key not in values for key in state.committed_state):
        for key, value in values.items():
            setattr(instance, key, value)
        session.flush()
        return
    if session.new:  # rows added before the transition (an `instance_started` event) keep coming first
        session.flush()
    version = instance.lock_version
    if rows is not None and not session.autoflush and session.connection().dialect.name == "postgresql":
        rows.instance_update(instance.id, version, values | {"lock_version": version + 1})
    else:
        hold_write_lock(session)
        _write_now(session, instance, values, version)
    for key, value in values.items():
        set_committed_value(instance, key, value)
    set_committed_value(instance, "lock_version", version + 1)


def _write_now(session: Session, instance: Instance, values: dict[str, Any], version: int) -> None:
    params = {**values, "lock_version": version + 1, "b_id": instance.id, "b_version": version}
    if session.connection().execute(_WRITE_INSTANCE, params).rowcount != 1:
        raise StaleDataError(f"instance {instance.id}: lock_version {version} changed under this transaction")


def _with_case(payload: dict[str, Any], case: Case | None) -> dict[str, Any]:
    if case is None:
        return payload
    base = {"case_number": case.number, "customer_name": case.customer_name}
    return {**base, **payload}


def _apply_case_updates(session: Session, case: Case, instance: Instance, outcome: Outcome, at: datetime) -> None:
    updates = dict(outcome.case_updates)
    record = dict(case.record or {})
    for key, value in updates.items():
        if key in CASE_COLUMNS:
            setattr(case, key, value)
        else:
            record[key] = value
    if "subject" in updates:
        issues.refresh(case)
    ended = outcome.status == "complete" and case.instance_id == instance.id  # not an instance beside it
    if ended and case.status not in ("closed", "closed_malicious", "terminated"):
        case.status = "closed"
    if case.status.startswith("closed") and case.closed_at is None:
        case.closed_at = at
    case.record = record
    case.updated_at = at
    if outcome.links:
        _link(session, case, outcome.links)


def _link(session: Session, case: Case, numbers: list[str]) -> None:
    others = session.scalars(select(Case).where(Case.number.in_(numbers), Case.id != case.id)).all()
    existing = set(session.scalars(select(CaseLink.other_id).where(CaseLink.case_id == case.id)).all())
    for other in others:
        if other.id in existing:
            continue
        session.add(CaseLink(case_id=case.id, other_id=other.id, reason="same issue"))
        session.add(CaseLink(case_id=other.id, other_id=case.id, reason="same issue"))


def _sync_human_tasks(session: Session, instance: Instance, case: Case | None, outcome: Outcome, actor: str,
                      at: datetime, completed_ids: set[str], rows: Rows, open_tasks: list[HumanTask] | None) -> None:
    if open_tasks is None:
        open_tasks = list(session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == "open")))
    current = {r.task_id: r for r in open_tasks if r.state == "open"}
    ready = {h.task_id: h for h in outcome.human_tasks}
    groups = {tid: units.queue_or(session, h.group, group_for_lane(h.lane)) for tid, h in ready.items()}
    for task_id, row in current.items():
        if task_id in ready:
            row.group_key = row.escalated_group or groups[task_id]
            _denormalize(row, case)
            rows.changes_of(row)  # any change (due time, group, case columns) goes with the rows
            continue
        state, by = ("completed", actor) if task_id in completed_ids else ("cancelled", None)
        if session.autoflush:  # a query before the write (e.g. escalation's open tasks) flushes the UPDATE first
            row.state, row.completed_at, row.completed_by = state, at, by
        else:  # nothing is flushed before the write: the UPDATE goes with the rows (one statement on PostgreSQL)
            rows.task_ended(row, state, at, by)
    for task_id, info in ready.items():
        if task_id in current:
            continue
        values = {
            "instance_id": instance.id, "case_id": case.id if case else None,
            "case_number": case.number if case else None, "task_id": task_id, "spec_id": info.spec_id,
            "title": info.title, "process_key": info.process_key, "lane": info.lane, "group_key": groups[task_id],
            "assignee": info.assignee, "form_key": info.form, "clock": info.clock, "state": "open", "created_at": at,
            "due_at": add_iso_duration(at, info.due_in) if info.due_in else None,
            "customer_name": None, "kind": None, "grade": None, "tier": None, "category": None,
        }
        if case is not None:
            values.update(customer_name=case.customer_name, kind=case.kind, grade=case.grade, tier=case.tier,
                          category=case.category)
        if session.autoflush:  # a query before the write may look for it: an ORM row, flushed by that query
            session.add(HumanTask(**values))
        else:  # nothing is flushed before the write: the INSERT goes with the rows (one statement on PostgreSQL)
            rows.task(values)
        rows.event(instance, case, actor, "task_ready",
                   {"title": info.title, "group": groups[task_id], "assignee": info.assignee}, task_id, info.title)


def _denormalize(row: HumanTask, case: Case | None) -> None:
    if case is None:
        return
    row.customer_name, row.kind, row.grade = case.customer_name, case.kind, case.grade
    row.tier, row.category = case.tier, case.category


def _sync_timers(session: Session, instance: Instance, case: Case | None, outcome: Outcome, actor: str,
                 at: datetime, fired: bool, rows: Rows, known_rows: list[Timer] | None = None) -> None:
    waiting = {t.task_id: t for t in outcome.timers}
    before = outcome.timers_before
    if not fired and before is not None and all(_same(t, waiting.get(t.task_id)) for t in before):
        # the rows mirror the saved state's timers: none of them changed, so no need to read them
        known = {t.task_id for t in before}
        for task_id, info in waiting.items():
            if task_id not in known:
                rows.timer(instance, task_id, info.spec_id, info.name, info.due_at)
        return
    if not fired and before is not None and known_rows is None and all(
            t.task_id not in waiting or _same(t, waiting[t.task_id]) for t in before) and not _loaded(session):
        # only cancels (no due time moved): by task id, without reading the rows (none is loaded to correct)
        known = {t.task_id for t in before}
        for gone in (t.task_id for t in before if t.task_id not in waiting):
            rows.timer_cancelled(instance, gone)
        for task_id, info in waiting.items():
            if task_id not in known:
                rows.timer(instance, task_id, info.spec_id, info.name, info.due_at)
        return
    if known_rows is None:
        known_rows = list(session.scalars(select(Timer).where(Timer.instance_id == instance.id,
                                                             Timer.state == "waiting")))
    current = {r.task_id: r for r in known_rows if r.state == "waiting"}
    for task_id, row in current.items():
        if task_id in waiting:
            row.due_at = waiting[task_id].due_at
            continue
        is_fired = fired and row.due_at is not None and row.due_at <= at
        ended = ("fired", at) if is_fired else ("cancelled", None)
        rows.timer_ended(row.id, *ended)  # written with the transition's other rows
        set_committed_value(row, "state", ended[0])  # the loaded row says so too, without an UPDATE of its own
        set_committed_value(row, "fired_at", ended[1])
        if is_fired:
            rows.event(instance, case, actor, "timer_fired", {"name": row.name, "due": iso(row.due_at)},
                       task_id, row.name)
    for task_id, info in waiting.items():
        if task_id not in current:
            rows.timer(instance, task_id, info.spec_id, info.name, info.due_at)


def _loaded(session: Session) -> bool:
    """Does the session hold any timer row (which a cancel by task id would leave saying `waiting`)?"""
    return any(isinstance(o, Timer) for o in session.identity_map.values())


def _same(before: TimerInfo, after: TimerInfo | None) -> bool:
    return after is not None and after.due_at == before.due_at
