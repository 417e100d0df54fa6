"""Issue 13 part 5: every customer with an e-mail is acknowledged once, at registration, whatever kind and channel.

Seed clauses: T5 (every complaint: first response promptly, a reply time promised at the first contact and kept),
T1 (inquiry: "we call back within 3 hours"), T3/T4 (rescue and new-failure customers are contacted); the real
default pack, the real worker and a real SMTP server (aiosmtpd on loopback).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from webapp.cases import public
from webapp.cases import service as cases
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Outbox
from webapp.worker import Worker

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
KINDS = ("grievance", "inquiry", "rescue", "new_failure", "external")
STAFF_CHANNELS = ("phone", "walk_in", "email", "letter")


def _register(i: int) -> Case:
    """Customer i: every fifth registers on the public web form (no kind chosen by staff), the rest via staff."""
    email = f"customer{i:02d}@example.test"
    if i % 5 == 0:
        return public.submit(db.session, {"name": f"Web {i}", "email": email, "kind": ("grievance", "inquiry")[i % 2],
                                          "description": f"web complaint {i}"})
    body: dict[str, Any] = {"channel": STAFF_CHANNELS[i % 4], "kind": KINDS[i % 5],
                            "customer": {"name": f"Customer {i}", "email": email, "phone": f"1380000{i:04d}"},
                            "subject": f"Subject {i}", "description": f"complaint {i}"}
    if body["kind"] in ("grievance", "external"):
        body["category"] = "staff_attitude"
    return cases.register(db.session, body, "agent")


def test_forty_customers_of_mixed_kinds_each_get_exactly_one_acknowledgement(app, users, pack, smtp, settings):
    """T5: one acknowledgement with the case number and the promised time, web ones at submission."""
    clock.freeze(T0)
    try:
        registered = {f"customer{i:02d}@example.test": _register(i) for i in range(40)}
        assert {c.kind for c in registered.values()} >= {"grievance", "inquiry", "rescue", "new_failure"}
        assert {c.channel for c in registered.values()} >= {"web", "phone", "email", "walk_in"}
        worker = Worker(db.session, settings)
        while worker.run_once():
            pass
    finally:
        clock.reset()
    acks = [(rcpts, msg) for rcpts, msg in smtp.box.messages if "received your complaint" in str(msg["Subject"])]
    assert Counter(r for rcpts, _ in acks for r in rcpts) == Counter(list(registered))  # one each, none left out
    for rcpts, msg in acks:
        number = registered[rcpts[0]].number
        assert str(msg["Subject"]) == f"We have received your complaint {number}"
        text = msg.get_body(("plain",)).get_content()
        assert f"Your case number is {number}." in text and "We will reply by 2026-03-0" in text
    rows = db.session.scalars(select(Outbox).where(Outbox.template == "acknowledgement")).all()
    assert len(rows) == 40 and {r.status for r in rows} == {"sent"}
    # web cases were acknowledged before anyone classified them (their classify task is still open)
    web = [c for c in registered.values() if c.channel == "web"]
    assert web and all(cases.open_tasks(db.session, c) for c in web)
