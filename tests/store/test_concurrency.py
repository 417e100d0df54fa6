"""Optimistic locking: two people completing the same task at once; one wins, the other gets a clear 409."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.helpers import instance_of, open_task, register
from webapp.errors import Conflict
from webapp.extensions import db
from webapp.models import Event, HumanTask
from webapp.tasks import service as tasks
from webapp.workflow import transitions as runtime


def _race(app, task_id: int, names: list[str], monkeypatch) -> list[Any]:
    barrier = threading.Barrier(len(names), timeout=5)
    original = runtime._engine.complete

    def slow_complete(*args: Any, **kwargs: Any) -> Any:
        outcome = original(*args, **kwargs)
        try:
            barrier.wait()  # all have computed their transition before any writes
        except threading.BrokenBarrierError:
            pass  # a database that serialises earlier is fine too; the outcome is what we assert
        return outcome

    monkeypatch.setattr(runtime._engine, "complete", slow_complete)
    results: list[Any] = [None] * len(names)

    def work(i: int, username: str) -> None:
        with app.app_context():
            from tests.helpers import user

            try:
                tasks.complete(db.session, task_id, {"cause": f"by {username}"}, user(username))
                results[i] = "ok"
            except Conflict as exc:
                results[i] = exc
            except Exception as exc:  # pragma: no cover - surfaces in the assertion
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(i, n)) for i, n in enumerate(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_concurrent_completions_one_wins_one_conflicts(app, mini, users, monkeypatch):
    case = register()
    task = open_task(case)
    task.assignee = None
    db.session.commit()
    task_id = task.id
    results = _race(app, task_id, ["handler1", "handler1b"], monkeypatch)
    oks = [r for r in results if r == "ok"]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(oks) == 1 and len(conflicts) == 1, results
    winner = "handler1" if results[0] == "ok" else "handler1b"
    assert f"already completed by {winner}" in conflicts[0].message
    db.session.expire_all()
    row = db.session.get(HumanTask, task_id)
    assert row.state == "completed" and row.completed_by == winner
    completions = db.session.scalar(select(func.count()).select_from(Event).where(
        Event.case_id == case.id, Event.kind == "task_completed"))
    assert completions == 1
    assert [t.title for t in db.session.scalars(select(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.state == "open"))] == ["Agree the solution"]
    assert instance_of(case).lock_version >= 2


def test_completing_a_completed_task_says_by_whom(api, mini):
    body = api.as_("agent").post("/api/v1/cases", json={
        "channel": "web", "kind": "grievance", "customer": {"name": "Wang"}, "description": "late"}).get_json()
    task_id = body["open_tasks"][0]["id"]
    assert api.as_("handler1").post(f"/api/v1/tasks/{task_id}/complete", json={"cause": "c"}).status_code == 200
    r = api.as_("handler1b").post(f"/api/v1/tasks/{task_id}/complete", json={"cause": "c"})
    assert r.status_code == 409
    assert "already completed by handler1" in r.get_json()["error"]["message"]


@pytest.mark.parametrize("threads", [4])
def test_many_threads_on_one_task_exactly_one_transition(app, mini, users, monkeypatch, threads):
    from tests.helpers import user
    from webapp.accounts.service import create_user

    for i in range(threads):
        create_user(db.session, f"h{i}", "test-pass-123", ["tier_1_handler"])
    db.session.commit()
    case = register()
    task_id = open_task(case).id
    results = _race(app, task_id, [f"h{i}" for i in range(threads)], monkeypatch)
    assert results.count("ok") == 1, results
    assert all(isinstance(r, Conflict) for r in results if r != "ok")
    del user
