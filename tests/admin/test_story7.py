"""Story 7: an administrator sees three instances stuck on e-mail, fixes the mail settings, repairs them in bulk,
and each customer gets exactly one e-mail, delivered by the real worker through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.admin.conftest import errored_case, fresh, to_followup
from tests.fixtures import handlers as fixture_handlers
from tests.helpers import complete, register
from tests.worker.conftest import SmtpServer, free_port
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Outbox
from webapp.outbox.delivery.settings import MailSettings, WorkerSettings
from webapp.worker import Worker

CUSTOMERS = [("Li Lei", "li.lei@example.test", "13800000001"), ("Wang Fang", "wang.fang@example.test", "13800000002"),
             ("Zhang Wei", "zhang.wei@example.test", "13800000003")]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


def worker_settings(port: int) -> WorkerSettings:
    """Worker settings with the given SMTP port, two attempts, short backoff."""
    return WorkerSettings(mail=MailSettings(host="127.0.0.1", port=port, timeout=5, domain="test.closeloop"),
                          max_attempts=2, backoff_base=10, backoff_cap=60, lease_seconds=30, batch=50)


def customer_mails(case: Case) -> list[Outbox]:
    """The case's e-mail outbox rows to the customer."""
    db.session.expire_all()
    return list(db.session.scalars(select(Outbox).where(Outbox.case_id == case.id, Outbox.channel == "email",
                                                        Outbox.recipient == "customer")))


def received(smtp: SmtpServer) -> list[str]:
    """Envelope recipients of every message the SMTP server accepted."""
    return sorted(r for rcpts, _ in smtp.box.messages for r in rcpts)


def test_failing_mail_handler_three_stuck_fixed_bulk_retry_one_mail_each(mini, api, smtp):
    cases = [errored_case(name, email, phone) for name, email, phone in CUSTOMERS]
    api.as_("admin")
    stuck = api.get("/api/v1/instances/stuck?rule=error").get_json()
    assert sorted(i["id"] for i in stuck["items"]) == sorted(c.instance_id for c in cases)
    assert all("mail server refused the connection" in i["reasons"][0]["text"] for i in stuck["items"])
    assert all(customer_mails(c) == [] for c in cases)

    fixture_handlers.FAIL["notify"] = False  # the administrator fixes the mail settings
    r = api.post("/api/v1/instances/bulk/retry", json={
        "reason": "mail relay credentials fixed", "filter": {"stuck": "1", "rule": "error", "error": "mail server"}})
    assert r.get_json()["counts"] == {"ok": 3, "failed": 0, "refused": 0}
    assert all(fresh(c.instance_id).status == "complete" for c in cases)
    assert [len(customer_mails(c)) for c in cases] == [1, 1, 1]

    worker = Worker(db.session, worker_settings(smtp.port))
    worker.run_once()
    assert received(smtp) == sorted(email for _, email, _ in CUSTOMERS)
    again = api.post("/api/v1/instances/bulk/retry", json={"reason": "once more", "ids": [c.instance_id
                                                                                          for c in cases]})
    assert again.get_json()["counts"] == {"ok": 0, "failed": 0, "refused": 3}
    worker.run_once()
    assert len(smtp.box.messages) == 3  # nobody got a second e-mail
    assert api.get("/api/v1/instances/stuck").get_json()["items"] == []


def test_smtp_server_down_three_dead_mails_fixed_bulk_redeliver_one_mail_each(mini, api, smtp):
    clock.freeze(clock.now())
    cases = []
    for name, email, phone in CUSTOMERS:
        case = register({"channel": "phone", "kind": "grievance", "customer": {"name": name, "phone": phone,
                                                                                "email": email},
                         "category": "staff_attitude", "subject": "Service point 7", "description": "Rude staff"})
        to_followup(case)
        complete(case, "Follow-up call", {"satisfaction": 5}, "agent")
        cases.append(case)
    wrong = worker_settings(free_port())  # nothing listens there: the mail server is "down"
    Worker(db.session, wrong).run_once()
    clock.advance(timedelta(seconds=11))
    Worker(db.session, wrong).run_once()
    assert [[m.status for m in customer_mails(c)] for c in cases] == [["dead"]] * 3
    api.as_("admin")
    stuck = api.get("/api/v1/instances/stuck?rule=outbox_failing").get_json()
    assert sorted(i["id"] for i in stuck["items"]) == sorted(c.instance_id for c in cases)
    text = stuck["items"][0]["reasons"][0]["text"]
    assert text.startswith("email 'closed' to customer failed 2 times (the worker gave up: dead): ")

    fixed = worker_settings(smtp.port)  # settings fixed: the right port
    r = api.post("/api/v1/instances/bulk/redeliver", json={"reason": "SMTP port corrected",
                                                           "filter": {"rule": "outbox_failing"}})
    assert r.get_json()["counts"] == {"ok": 3, "failed": 0, "refused": 0}
    Worker(db.session, fixed).run_once()
    assert received(smtp) == sorted(email for _, email, _ in CUSTOMERS)
    assert [[m.status for m in customer_mails(c)] for c in cases] == [["sent"]] * 3
    again = api.post("/api/v1/instances/bulk/redeliver", json={"reason": "again", "ids": [c.instance_id
                                                                                          for c in cases]})
    assert again.get_json()["counts"]["refused"] == 3
    Worker(db.session, fixed).run_once()
    assert len(smtp.box.messages) == 3
    assert api.get("/api/v1/instances/stuck").get_json()["items"] == []
