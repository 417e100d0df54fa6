"""Timer claims: one statement picks and locks the earliest due instance; workers side by side take different ones,
a worker that dies mid-claim loses nothing, and the firing path stays at a handful of statements."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from tests.conftest import on_postgres
from tests.helpers import GRIEVANCE
from webapp.cases import service as cases
from webapp.deadlines import timers
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Event, Outbox, Timer
from webapp.worker import notify

pg_only = pytest.mark.skipif(not on_postgres(), reason="row locks (SKIP LOCKED) and NOTIFY are PostgreSQL's")


def due_grievances(count: int) -> None:
    """`count` grievances registered 5 hours ago: each one's 4-hour timer is due now."""
    real = clock.now()
    clock.freeze(real - timedelta(hours=5))
    for _ in range(count):
        cases.register(db.session, dict(GRIEVANCE), "agent")
    clock.freeze(real)


def other_session() -> Session:
    """A second worker's session: its own connection and transactions."""
    return Session(db.engine, expire_on_commit=False)


def fired_once_each(count: int) -> None:
    db.session.rollback()
    fired = Counter(db.session.scalars(select(Event.task_id).where(Event.kind == "timer_fired")))
    assert len(fired) == count and set(fired.values()) == {1}
    assert db.session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "waiting")) == 0
    notices = db.session.execute(select(Outbox.instance_id, func.count()).where(
        Outbox.template == "deadline_missed").group_by(Outbox.instance_id)).all()
    assert len(notices) == count and {n for _, n in notices} == {1}


@pg_only
def test_a_claim_skips_the_instance_another_worker_holds(app, users, mini):
    due_grievances(3)
    first = timers.claim(db.session, clock.now())
    assert first is not None
    other = other_session()
    try:
        second = timers.claim(other, clock.now())  # does not wait for the first worker's lock
        assert second is not None and second.instance.id != first.instance.id
        assert timers.fire_claimed(other, second, clock.now())
        assert timers.fire_claimed(db.session, first, clock.now())
        assert timers.fire_next(other) is not None and timers.fire_next(db.session) is None
    finally:
        other.close()
    fired_once_each(3)


@pg_only
def test_a_worker_killed_holding_a_claim_loses_nothing(app, users, mini):
    due_grievances(3)
    doomed = other_session()
    held = timers.claim(doomed, clock.now())
    assert held is not None
    doomed.connection().invalidate()  # the process dies: its connection drops, PostgreSQL rolls back and unlocks
    doomed.close()
    assert timers.fire_due_timers(db.session) == 3
    fired_once_each(3)


def test_two_workers_fire_every_due_timer_exactly_once(app, users, mini):
    due_grievances(24)
    counts: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        with app.app_context():
            session = other_session()
            try:
                counts.append(timers.fire_due_timers(session, limit=1000))
            except BaseException as exc:  # reported below: an exception in a thread must fail the test
                errors.append(exc)
            finally:
                session.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and sum(counts) == 24
    fired_once_each(24)


def test_a_claim_loads_the_instance_with_its_case_waiting_timers_and_open_tasks(app, users, mini):
    due_grievances(2)
    claimed = timers.claim(db.session, clock.now())
    assert claimed is not None and claimed.case is not None and claimed.case.instance_id == claimed.instance.id
    assert [(t.instance_id, t.state) for t in claimed.waiting] == [(claimed.instance.id, "waiting")]
    assert [(t.instance_id, t.state) for t in claimed.open_tasks] == [(claimed.instance.id, "open")]
    db.session.rollback()


def test_a_claim_whose_instance_was_fired_since_its_snapshot_writes_nothing(app, users, mini):
    """The claim's rows are one snapshot's; if another worker fired the instance after it (between the snapshot and
    the lock on PostgreSQL), the version-checked write fails and nothing is written twice."""
    due_grievances(1)
    stale = timers.claim(db.session, clock.now())
    assert stale is not None
    db.session.commit()  # lets go of the lock, keeps the loaded rows as they were (expire_on_commit=False)
    other = other_session()
    try:
        assert timers.fire_next(other) == stale.instance.id
    finally:
        other.close()
    assert stale.waiting[0].state == "waiting"  # as the snapshot saw it: the firing runs and its write fails
    assert not timers.fire_claimed(db.session, stale, clock.now())
    fired_once_each(1)


def test_firing_one_timer_takes_a_handful_of_statements(app, users, mini):
    due_grievances(1)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", seen)
    db.session.info[notify.DEFER] = True  # as in a worker: its NOTIFY goes out once per pass
    try:
        assert timers.fire_next(db.session) is not None
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
        db.session.info.pop(notify.DEFER)
    # the claim (instance, case, waiting timers, open tasks), then the rows: one statement on PostgreSQL (the
    # instance's and case's UPDATEs and the rest as CTEs), one per table on SQLite (instance, timer end, case,
    # outbox, event); no candidate list, no still-due probe, no definition reload, no autoflush
    assert statements == (["WITH", "WITH"] if on_postgres() else
                          ["WITH", "UPDATE", "UPDATE", "UPDATE", "INSERT", "INSERT"]), statements
    fired_once_each(1)


@pg_only
def test_the_firing_transaction_commits_asynchronously_and_the_next_one_does_not(app, users, mini):
    due_grievances(1)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET synchronous_commit = on")  # production's default (the test databases' is off)
        conn.commit()
        session = Session(bind=conn)
        assert timers.claim(session, clock.now()) is not None
        assert session.scalar(text("SHOW synchronous_commit")) == "off"
        session.rollback()
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


@pg_only
def test_a_worker_session_sends_one_notify_per_pass_not_one_per_commit(app, users, mini):
    listener, stop, woken = notify.Listener(), threading.Event(), threading.Event()
    thread = threading.Thread(target=notify.listen, args=(db.engine.url, woken, stop, listener), daemon=True)
    thread.start()
    try:
        assert listener.ready.wait(30)
        due_grievances(3)  # the web side: three registrations, three notifications
        heard = _settled(listener)
        worker = other_session()
        worker.info[notify.DEFER] = True
        try:
            assert timers.fire_due_timers(worker) == 3  # three commits adding outbox rows: no NOTIFY yet
            assert _settled(listener) == heard
            assert notify.flush_deferred(worker) and not notify.flush_deferred(worker)
        finally:
            worker.close()
        assert _settled(listener) == heard + 1
    finally:
        stop.set()
        thread.join(30)


def _settled(listener: notify.Listener) -> int:
    """The listener's count once no notification has arrived for half a second."""
    last = -1
    while last != listener.heard:
        last = listener.heard
        threading.Event().wait(0.5)
    return last
