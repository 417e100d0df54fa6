"""CPU-time and memory budgets: a runaway script errors only its own instance; everyone else carries on.

No timing is asserted: the join timeouts below only keep a broken budget from hanging the test run.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from tests.conftest import PASSWORD
from tests.security.conftest import CASE, assert_nothing_leaked, deploy
from tests.security.diagrams import probe_files
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Instance, Timer
from webapp.outbox.delivery.settings import WorkerSettings
from webapp.worker.loop import Worker

HANG_GUARD = 120  # seconds; far above the 1 s test budget, only so a broken budget cannot hang CI

HANG = "if subject == 'runaway':\n  while True:\n    pass\nresult = 'fine'"
MEMORY_BOMB = "chunks = []\nif subject == 'runaway':\n  while True:\n    chunks.append('y' * 100000)\nresult = 'fine'"
HANG_IN_CONDITION = "subject == 'runaway' and any(a < 0 for a in range(10**6) for b in range(10**6))"


def _instance(number: str) -> Instance:
    db.session.expire_all()
    case = db.session.scalars(select(Case).where(Case.number == number)).one()
    instance = db.session.get(Instance, case.instance_id)
    assert instance is not None
    return instance


def _register_in_thread(app: Flask, results: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        client = app.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "agent", "password": PASSWORD}).get_json()
        response = client.post("/api/v1/cases", json=dict(CASE, subject="runaway"),
                               headers={"Authorization": f"Bearer {token['token']}"})
        results["status"], results["body"] = response.status_code, response.get_json()

    thread = threading.Thread(target=run, name="runaway-client", daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(("kind", "code", "budget"), [
    pytest.param("script", HANG, "time", id="while-true"),
    pytest.param("script", MEMORY_BOMB, "memory", id="memory-bomb"),
    pytest.param("condition", HANG_IN_CONDITION, "time", id="hang-in-gateway-condition"),
])
def test_runaway_errors_only_its_instance_while_another_client_works(
        app: Flask, api: Any, kind: str, code: str, budget: str) -> None:
    """The runaway case ends in error with the budget message; a second client signs in and registers meanwhile."""
    assert deploy(api, probe_files(kind, code)).status_code == 201
    runaway: dict[str, Any] = {}
    thread = _register_in_thread(app, runaway)
    other = app.test_client()
    signed_in = other.post("/api/v1/auth/token", json={"username": "handler1", "password": PASSWORD})
    assert signed_in.status_code == 201
    registered = other.post("/api/v1/cases", json=dict(CASE, subject="ordinary"),
                            headers={"Authorization": f"Bearer {signed_in.get_json()['token']}"})
    assert registered.status_code == 201, registered.get_json()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the runaway request never came back"
    assert runaway["status"] == 201, runaway
    assert _instance(registered.get_json()["number"]).status == "user_input"
    failed = _instance(runaway["body"]["number"])
    assert failed.status == "error"
    assert failed.error["message"] == f"script exceeded its {budget} budget at payload", failed.error
    assert failed.error["element"] == "payload"
    assert failed.pending_action == {"kind": "start", "data": failed.pending_action["data"]}
    assert_nothing_leaked(app)


def test_timer_driven_hang_errors_the_instance_and_the_worker_moves_on(app: Flask, api: Any) -> None:
    """Behind a timer, the worker marks the instance error once and does not pick that timer up again."""
    assert deploy(api, probe_files("script", HANG, timer_first=True)).status_code == 201
    clock.freeze(clock.now())
    looping = api.as_("agent").post("/api/v1/cases", json=dict(CASE, subject="runaway"))
    calm = api.as_("agent").post("/api/v1/cases", json=dict(CASE, subject="calm"))
    assert looping.status_code == calm.status_code == 201
    assert _instance(looping.get_json()["number"]).status == "waiting"
    clock.advance(timedelta(hours=2))
    worker = Worker(db.session, WorkerSettings())
    assert worker.fire_timers() == 2  # both instances had their turn
    failed = _instance(looping.get_json()["number"])
    assert failed.status == "error"
    assert failed.error["message"] == "script exceeded its time budget at payload"
    assert failed.error["attempts"] == 1
    assert failed.pending_action == {"kind": "fire_timers"}
    assert db.session.scalar(select(Timer.state).where(Timer.instance_id == failed.id)) == "waiting"
    assert worker.fire_timers() == 0  # the error instance's timer is not taken again ...
    clock.advance(timedelta(hours=2))
    assert worker.fire_timers() == 0  # ... not even later
    again = _instance(looping.get_json()["number"])
    assert again.status == "error" and again.error["attempts"] == 1
    assert _instance(calm.get_json()["number"]).status == "user_input"  # the other case went on


def test_instances_in_error_do_not_starve_the_worker(app: Flask, api: Any) -> None:
    """More failed instances with due timers than the worker's candidate batch: a healthy one still fires."""
    assert deploy(api, probe_files("script", HANG, timer_first=True)).status_code == 201
    clock.freeze(clock.now())
    failed = [api.as_("agent").post("/api/v1/cases", json=dict(CASE)).get_json()["number"] for _ in range(25)]
    ids = [_instance(number).id for number in failed]
    db.session.execute(update(Instance).where(Instance.id.in_(ids)).values(status="error"))  # as if each overran
    db.session.commit()
    clock.advance(timedelta(minutes=1))
    healthy = api.as_("agent").post("/api/v1/cases", json=dict(CASE)).get_json()["number"]
    clock.advance(timedelta(hours=2))
    assert Worker(db.session, WorkerSettings()).fire_timers() == 1
    assert _instance(healthy).status == "user_input"
