"""Lock order on PostgreSQL: a task completion racing the worker's clock check or timer firing on the same instance
never deadlocks. Every path locks the instance's row first (a completion's combined write leads with the instance's
version-checked UPDATE; the worker claims the instance FOR UPDATE SKIP LOCKED), so one of them waits for the other
and the completion either succeeds or gets the ordinary 409 of a lost version check."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from tests.conftest import on_postgres
from tests.helpers import open_task, user
from tests.worker.conftest import start_sla
from webapp.deadlines import service as deadlines
from webapp.deadlines import timers
from webapp.deadlines.models import Deadline
from webapp.engine import clock
from webapp.errors import Conflict
from webapp.extensions import db
from webapp.models import HumanTask
from webapp.tasks import service as tasks

pytestmark = pytest.mark.skipif(not on_postgres(), reason="row locks and deadlocks are PostgreSQL's")
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
WAIT = 60  # seconds any step may take on a loaded machine before the test fails instead of hanging


class Race:
    """The worker's transaction paused right after its first locking statement, a completion of the same instance
    started meanwhile, and the worker let go once the completion waits on a lock (or has finished)."""

    def __init__(self, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = app
        self.locked, self.go, self.pid_known, self.done = (threading.Event() for _ in range(4))
        self.worker: dict[str, Any] = {}
        self.completion: dict[str, Any] = {}
        self.sqlstates: list[str | None] = []  # what each lost race the completion saw was
        original = tasks.lost_race

        def seen(exc: BaseException) -> bool:
            self.sqlstates.append(getattr(getattr(exc, "orig", None), "sqlstate", None))
            return original(exc)

        monkeypatch.setattr(tasks, "lost_race", seen)

    def run_worker(self, step: Any) -> None:
        """The worker's thread: its own session; pauses after its first SELECT ... FOR UPDATE."""
        ident = threading.get_ident()

        def pause(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if threading.get_ident() == ident and "FOR UPDATE" in statement and not self.locked.is_set():
                self.locked.set()
                self.go.wait(WAIT)

        with self.app.app_context():
            session = Session(db.engine, expire_on_commit=False)
            event.listen(db.engine, "after_cursor_execute", pause)
            try:
                self.worker["result"] = step(session)
            except Exception as exc:  # surfaces in the assertions
                self.worker["error"] = exc
            finally:
                event.remove(db.engine, "after_cursor_execute", pause)
                self.locked.set()
                session.close()

    def run_completion(self, task_id: int) -> None:
        """The completion's thread: the ordinary service call, on its own connection (its pid recorded first)."""
        with self.app.app_context():
            try:
                self.completion["pid"] = db.session.connection().exec_driver_sql("select pg_backend_pid()").scalar()
                self.pid_known.set()
                tasks.complete(db.session, task_id, {"note": "done"}, user("handler1"))
                self.completion["result"] = "ok"
            except Conflict as exc:
                self.completion["result"] = exc
            except Exception as exc:  # surfaces in the assertions
                self.completion["result"] = exc
            finally:
                self.pid_known.set()
                self.done.set()
                db.session.remove()

    def blocked(self) -> bool:
        """Wait until the completion waits on a row lock (True) or has finished without waiting (False)."""
        with db.engine.connect() as conn:
            while not self.done.is_set():
                waiting = conn.execute(text("select cardinality(pg_blocking_pids(:pid))"),
                                       {"pid": self.completion["pid"]}).scalar()
                conn.rollback()
                if waiting:
                    return True
                self.done.wait(0.01)  # polls a condition; no timing is asserted
        return False

    def run(self, step: Any, task_id: int) -> bool:
        """Run the race; whether the completion had to wait for the worker's lock."""
        worker = threading.Thread(target=self.run_worker, args=(step,))
        completion = threading.Thread(target=self.run_completion, args=(task_id,))
        worker.start()
        assert self.locked.wait(WAIT), "the worker never took a row lock"
        completion.start()
        assert self.pid_known.wait(WAIT)
        try:
            waited = self.blocked()
        finally:
            self.go.set()
            worker.join(WAIT)
            completion.join(WAIT)
        assert not worker.is_alive() and not completion.is_alive(), "a thread hangs"
        return waited


def _started(at: datetime) -> tuple[int, int]:
    """A G4 case at tier 1 on the SLA diagram: a 3-hour clock on its task `work` and a boundary timer due with it;
    completing `work` pauses the clock. (case id, task id)"""
    clock.freeze(T0)
    case = start_sla("T1-callback", "PT3H", False)
    case.grade = "G4"  # the tier table moves a G4 case's missed work from tier 1 to tier 2
    db.session.commit()
    task = open_task(case)
    clock.freeze(at)
    return case.id, task.id


def _assert_no_deadlock(race: Race, waited: bool) -> None:
    assert "error" not in race.worker, race.worker
    assert race.worker.get("result"), race.worker
    assert waited, "the completion never waited for the worker: the interleaving was not forced"
    result = race.completion["result"]
    assert result == "ok" or isinstance(result, Conflict), result
    assert "40P01" not in race.sqlstates and "40001" not in race.sqlstates, race.sqlstates


def test_a_completion_racing_the_clock_check_of_its_instance_waits_and_never_deadlocks(app, users, sla,
                                                                                       monkeypatch):
    """The worker breaches the clock the completion pauses: the breach moves the task up a tier and writes the
    tier into the instance's data, the completion writes the instance first and then pauses the clock."""
    case_id, task_id = _started(T0 + timedelta(hours=3, seconds=1))  # the clock is due
    race = Race(app, monkeypatch)
    waited = race.run(lambda session: deadlines.check_next(session, clock.now()), task_id)
    _assert_no_deadlock(race, waited)
    assert race.worker["result"] == "breach"
    db.session.expire_all()
    row = db.session.scalars(select(Deadline).where(Deadline.case_id == case_id)).one()
    task = db.session.get(HumanTask, task_id)
    assert row.breached_at is not None  # the worker's breach stands either way
    if race.completion["result"] == "ok":
        assert task.state == "completed"
    else:  # the worker changed the case first: the completion's version check lost, nothing of it was written
        assert (task.state, task.group_key) == ("open", "tier_2_handler")


def test_a_completion_racing_a_timer_firing_of_its_instance_waits_and_never_deadlocks(app, users, sla,
                                                                                      monkeypatch):
    """The completion cancels nothing the worker fires without holding the instance first."""
    _, task_id = _started(T0 + timedelta(hours=3, seconds=1))  # the boundary timer is due
    race = Race(app, monkeypatch)
    waited = race.run(lambda session: timers.fire_next(session, clock.now()), task_id)
    _assert_no_deadlock(race, waited)
    db.session.expire_all()
    task = db.session.get(HumanTask, task_id)
    assert task.state == ("completed" if race.completion["result"] == "ok" else "open")
