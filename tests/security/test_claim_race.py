"""Two simultaneous claims of one task: one 200, one 409 'already claimed by X', one timeline event.

Real threads against a real database (SQLite file or PostgreSQL), and real processes (each with its own app
and connection pool) for the cross-process case.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.helpers import open_task, register
from webapp.extensions import db
from webapp.models import Event, HumanTask


def _unclaimed_task(app: Flask) -> int:
    task = open_task(register())
    task.assignee = None
    db.session.commit()
    return task.id


def _tokens(app: Flask, names: list[str]) -> list[str]:
    c = app.test_client()
    return [c.post("/api/v1/auth/token", json={"username": n, "password": PASSWORD}).get_json()["token"]
            for n in names]


def _claim_events(task_id: int) -> int:
    db.session.expire_all()
    task = db.session.get(HumanTask, task_id)
    assert task is not None
    return db.session.scalar(select(func.count()).select_from(Event).where(
        Event.kind == "task_claimed", Event.instance_id == task.instance_id)) or 0


def _check(task_id: int, answers: list[tuple[int, Any]], names: list[str]) -> None:
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 409], answers
    winner = next(body for status, body in answers if status == 200)["assignee"]
    loser = next(body for status, body in answers if status == 409)
    assert winner in names and loser["error"]["message"] == f"already claimed by {winner}"
    assert _claim_events(task_id) == 1
    assert db.session.get(HumanTask, task_id).assignee == winner  # type: ignore[union-attr]


def _race_threads(app: Flask, task_id: int, tokens: list[str]) -> list[tuple[int, Any]]:
    barrier = threading.Barrier(len(tokens))
    answers: list[tuple[int, Any]] = []

    def claim(token: str) -> None:
        client = app.test_client()
        with app.app_context():
            barrier.wait()
            try:
                r = client.post(f"/api/v1/tasks/{task_id}/claim", headers={"Authorization": f"Bearer {token}"})
                answers.append((r.status_code, r.get_json()))
            except Exception as exc:  # noqa: BLE001  (surfaces in the assertion)
                answers.append((500, repr(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def test_threads_claiming_at_once(app: Flask, users: Any, mini: None) -> None:
    names = ["handler1", "handler1b"]
    for _ in range(4):
        task_id = _unclaimed_task(app)
        _check(task_id, _race_threads(app, task_id, _tokens(app, names)), names)


def _claim_in_process(url: str, upload: str, task_id: int, token: str, barrier: Any, out: Any) -> None:
    from webapp.app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test", "UPLOAD_DIR": upload})
    client = app.test_client()
    with app.app_context():
        client.get("/api/v1/openapi.json")  # warm up before the start line
        barrier.wait(30)
        r = client.post(f"/api/v1/tasks/{task_id}/claim", headers={"Authorization": f"Bearer {token}"})
        out.put((r.status_code, r.get_json()))


def test_processes_claiming_at_once(app: Flask, users: Any, mini: None, tmp_path: Any) -> None:
    task_id = _unclaimed_task(app)
    names = ["handler1", "handler1b"]
    tokens = _tokens(app, names)
    db.session.commit()
    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.engine.dispose()  # no inherited connections in the children
    procs = [ctx.Process(target=_claim_in_process, args=(url, str(tmp_path), task_id, t, barrier, out))
             for t in tokens]
    for p in procs:
        p.start()
    answers = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    _check(task_id, answers, names)


def test_claiming_ones_own_task_again_records_nothing(app: Flask, users: Any, mini: None, api: Any) -> None:
    task_id = _unclaimed_task(app)
    assert api.as_("handler1").post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    assert api.as_("handler1").post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    assert _claim_events(task_id) == 1
