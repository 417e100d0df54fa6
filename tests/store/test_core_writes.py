"""A transition's writes without the ORM's unit of work: the version-checked instance UPDATE, the case's changes and
the new human tasks go as Core statements (on PostgreSQL in the one combined write), with the ORM rows in step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm.exc import StaleDataError

from tests.helpers import instance_of, open_task, register, user
from webapp.engine.clock import now
from webapp.errors import Conflict
from webapp.extensions import db
from webapp.models import Case, Event, HumanTask, Instance, Outbox, Timer
from webapp.tasks import service as tasks
from webapp.workflow.rows import Rows


def _count(model: type, **where: object) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query) or 0


def test_a_completion_leaves_no_pending_orm_change_and_the_rows_say_what_was_written(mini, users):
    case = register()
    task = open_task(case)
    version = instance_of(case).lock_version
    task_id = task.id
    done, inst = tasks.complete_with_instance(db.session, task_id, {"cause": "late bus"}, user("handler1"))
    assert inst.lock_version == version + 1 and done.state == "completed"
    assert not any(db.session.is_modified(row) for row in (inst, done, db.session.get(Case, case.id)))
    stored = db.session.execute(select(Instance.lock_version, Instance.status).where(Instance.id == inst.id)).one()
    assert tuple(stored) == (inst.lock_version, inst.status)
    db.session.expire_all()
    fresh = open_task(db.session.get(Case, case.id))
    assert fresh.title == "Agree the solution" and fresh.state == "open" and fresh.group_key
    assert fresh.customer_name == "Li Lei" and fresh.case_number == case.number and fresh.created_at is not None
    assert db.session.get(Case, case.id).updated_at >= done.completed_at


def test_a_stale_instance_version_writes_none_of_the_rows(mini, users):
    """Whatever the database: the instance UPDATE that names an old version fails first, with StaleDataError (a
    409 for the caller), before any row could hit a unique key a concurrent winner wrote."""
    case = register()
    inst = instance_of(case)
    taken = db.session.scalars(select(Outbox.idempotency_key)).first() or "taken-key"
    if not _count(Outbox, idempotency_key=taken):
        db.session.add(Outbox(instance_id=inst.id, case_id=case.id, channel="email", recipient="x@example.org",
                              template="t", payload={}, idempotency_key=taken, next_attempt_at=now(),
                              created_at=now()))
    db.session.commit()
    events, tasks_before = _count(Event), _count(HumanTask)
    rows = Rows()
    rows.instance_update(inst.id, inst.lock_version - 1, {"updated_at": now(), "lock_version": inst.lock_version})
    rows.event(inst, case, "tester", "noted", {})
    rows.message(inst, case, "email", "x@example.org", "t", {}, taken, now())
    rows.task({"instance_id": inst.id, "case_id": case.id, "task_id": "00000000-0000-4000-8000-00000000c0de",
               "spec_id": "s", "title": "t", "process_key": "p", "state": "open", "created_at": now()})
    with pytest.raises(StaleDataError):
        rows.write(db.session)
    db.session.rollback()
    assert (_count(Event), _count(HumanTask)) == (events, tasks_before)


def test_a_completion_after_a_concurrent_version_change_is_a_conflict_and_writes_nothing(mini, users):
    case = register()
    task_id = open_task(case).id
    events = _count(Event, case_id=case.id)
    handler = user("handler1")
    original = tasks.runtime._engine.complete

    def meanwhile(*args: object, **kwargs: object) -> object:
        outcome = original(*args, **kwargs)
        with db.engine.begin() as other:  # another writer moves the instance on before this one writes
            other.execute(update(Instance).where(Instance.id == case.instance_id)
                          .values(lock_version=Instance.lock_version + 1))
        return outcome

    tasks.runtime._engine.complete = meanwhile  # type: ignore[method-assign]
    try:
        with pytest.raises(Conflict):
            tasks.complete(db.session, task_id, {"cause": "late bus"}, handler)
    finally:
        tasks.runtime._engine.complete = original  # type: ignore[method-assign]
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).state == "open"
    assert _count(Event, case_id=case.id) == events
    assert [t.title for t in db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id))] == [
        "Find the facts"]


def _sent_during(block: Any) -> list[str]:
    sent: list[str] = []

    def _log(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", _log)
    try:
        block()
    finally:
        event.remove(db.engine, "before_cursor_execute", _log)
    return sent


def test_the_rows_of_several_task_ends_timer_ends_and_events_go_one_statement_per_kind(mini, users):
    """Statements built once for every row shape: several task ends, timer cancels (by task id) and timer ends
    of one kind, several events: one statement each on SQLite (one executemany), one in all on PostgreSQL."""
    case = register()
    inst = instance_of(case)
    at = now()
    extra = [HumanTask(instance_id=inst.id, case_id=case.id, task_id=f"00000000-0000-4000-8000-00000000000{n}",
                       spec_id="s", title=f"extra {n}", process_key="complaint", state="open", created_at=at)
             for n in range(2)]
    timers = [Timer(instance_id=inst.id, task_id=f"00000000-0000-4000-8000-0000000000a{n}", spec_id="t",
                    name=f"timer {n}", due_at=at, state="waiting") for n in range(4)]
    db.session.add_all([*extra, *timers])
    db.session.commit()
    rows = Rows()
    with db.session.no_autoflush:
        rows.task_ended(extra[0], "completed", at, "handler1")
        rows.task_ended(extra[1], "cancelled", at, None)
    rows.timer_cancelled(inst, timers[0].task_id)
    rows.timer_cancelled(inst, timers[1].task_id)
    rows.timer_ended(timers[2].id, "fired", at)
    rows.timer_ended(timers[3].id, "fired", at)
    for n in range(3):
        rows.event(inst, case, "tester", "noted", {"n": n})
    events = _count(Event, case_id=case.id)
    sent = _sent_during(lambda: rows.write(db.session))
    if db.engine.dialect.name == "sqlite":
        assert [s.split(" SET ")[0].split(" (")[0] for s in sent] == [
            "UPDATE human_task", "UPDATE timer", "UPDATE timer", "INSERT INTO event"]
    else:
        assert len(sent) == 1
    db.session.commit()
    db.session.expire_all()
    ended = [db.session.get(HumanTask, t.id) for t in extra]
    assert [(t.state, t.completed_by, t.completed_at) for t in ended] == [
        ("completed", "handler1", at), ("cancelled", None, at)]
    stored = [db.session.get(Timer, t.id) for t in timers]
    assert [(t.state, t.fired_at) for t in stored] == [("cancelled", None), ("cancelled", None), ("fired", at),
                                                        ("fired", at)]
    noted = db.session.scalars(select(Event.data).where(Event.case_id == case.id, Event.kind == "noted")
                               .order_by(Event.id)).all()
    assert noted == [{"n": 0}, {"n": 1}, {"n": 2}] and _count(Event, case_id=case.id) == events + 3


def test_a_real_pack_completion_leaves_nothing_for_the_commit_to_flush(pack, users):
    """The next tasks take their clocks' due times without setting a row's due time to the value it has (which
    made the commit flush a row with no change)."""
    from tests.process import answers

    case = register()
    task_id = open_task(case).id
    flushed: list[list[str]] = []

    def _flush(session: Any, *args: Any) -> None:
        flushed.append([type(o).__name__ for o in [*session.new, *session.dirty]])

    event.listen(db.session(), "before_flush", _flush)
    try:
        tasks.complete(db.session, task_id, answers.prejudgement(), user("handler1"))
    finally:
        event.remove(db.session(), "before_flush", _flush)
    assert flushed == []
    assert db.session.get(HumanTask, task_id).state == "completed"


def test_appended_rows_keep_their_values_json_nulls_naive_utc_times_and_column_lengths(mini, users):
    """Each INSERT of the transition's rows (on PostgreSQL one JSON parameter per table) stores the values as a bound
    value would: None in a JSON column is JSON null, a naive time is UTC, text and nested JSON as given, and a
    string longer than its column is refused, not cut."""
    from datetime import UTC, datetime

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    case = register()
    inst = instance_of(case)
    naive = datetime(2026, 3, 2, 9, 30, 15, 123456)
    rows = Rows()
    rows.event(inst, case, "tester", "plain", None)
    rows.event(inst, case, "tester", "nested", {"text": "投诉 'quoted' \"double\" \\ {braces}", "n": [1, 2.5, None],
                                                "deep": {"ok": True}})
    rows.timer(inst, "00000000-0000-4000-8000-0000000000b1", "t", "naive due", naive)
    rows.write(db.session)
    db.session.commit()
    stored = db.session.execute(select(Event.kind, Event.data).where(Event.case_id == case.id,
                                                                     Event.kind.in_(["plain", "nested"]))
                                .order_by(Event.id)).all()
    assert [tuple(row) for row in stored] == [
        ("plain", None),
        ("nested", {"text": "投诉 'quoted' \"double\" \\ {braces}", "n": [1, 2.5, None], "deep": {"ok": True}})]
    timer = db.session.scalars(select(Timer).where(Timer.name == "naive due")).one()
    assert timer.due_at == naive.replace(tzinfo=UTC) and timer.state == "waiting"
    if db.engine.dialect.name != "postgresql":
        return
    kinds = db.session.execute(text("SELECT jsonb_typeof(data) FROM event WHERE kind = 'plain'")).scalars().all()
    assert kinds == ["null"]  # as the JSON type binds None (none_as_null is off)
    too_long = Rows()
    too_long.timer(inst, "x" * 37, "t", "too long", naive)  # timer.task_id is VARCHAR(36)
    with pytest.raises(DBAPIError):
        too_long.write(db.session)
    db.session.rollback()
