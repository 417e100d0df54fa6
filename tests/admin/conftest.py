"""Fixtures for the admin console tests: stuck instances produced for real, through the services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.fixtures import handlers as fixture_handlers
from tests.helpers import complete, instance_of, open_task, register, user
from webapp.admin.stuck import StuckSettings
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Instance
from webapp.tasks import service as tasks
from webapp.workflow.definitions import deploy_files

HERE = Path(__file__).resolve().parent
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = StuckSettings()


@pytest.fixture(autouse=True)
def _no_failing_handlers() -> Iterator[None]:
    fixture_handlers.FAIL["notify"] = False
    yield
    fixture_handlers.FAIL["notify"] = False


@pytest.fixture
def waits(app: Flask) -> None:
    """Deploy two processes that wait on events: a signal nobody sends, and a customer's reply (message)."""
    deploy_files(db.session, {"waits.bpmn": (HERE / "fixtures" / "waits.bpmn").read_bytes()}, {}, "test")


def to_followup(case: Case) -> None:
    """Work a mini grievance up to its 'Follow-up call' task."""
    complete(case, "Find the facts", {"cause": "busy"}, "handler1")
    complete(case, "Agree the solution", {"solution_type": "apology"}, "handler1")


def errored_case(name: str = "Li Lei", email: str = "li.lei@example.test", phone: str = "13800000001") -> Case:
    """A case whose instance stopped on the failing 'Tell the customer' e-mail handler."""
    body: dict[str, Any] = {
        "channel": "phone", "kind": "grievance", "customer": {"name": name, "phone": phone, "email": email},
        "category": "staff_attitude", "subject": "Service point 7", "description": "Rude staff at reception",
    }
    case = register(body)
    to_followup(case)
    fixture_handlers.FAIL["notify"] = True
    try:
        tasks.complete(db.session, open_task(case, "Follow-up call").id, {"satisfaction": 5}, user("agent"))
    finally:
        fixture_handlers.FAIL["notify"] = False
    inst = instance_of(case)
    assert inst.status == "error" and inst.error["element"] == "notify_closed"
    return case


def fresh(instance_id: int) -> Instance:
    """An instance re-read from the database."""
    db.session.expire_all()
    inst = db.session.get(Instance, instance_id)
    assert inst is not None
    return inst


@pytest.fixture
def frozen() -> Iterator[datetime]:
    """Freeze the clock at T0 for the test."""
    clock.freeze(T0)
    yield T0
    clock.reset()
