"""The admin message log: every queued notice with its status and attempts, the mail as it will read, re-deliver."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.admin.conftest import to_followup
from tests.helpers import complete, register
from tests.web.conftest import Web
from webapp.extensions import db
from webapp.models import Case, Outbox


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A browser-like client (CSRF, session cookie)."""
    return Web(app.test_client())


def closed_case(name: str = "Li Lei", email: str = "li.lei@example.test") -> Case:
    """A mini grievance worked to the end: the closure mail to the customer is queued."""
    case = register({"channel": "phone", "kind": "grievance", "customer": {"name": name, "email": email},
                     "category": "staff_attitude", "subject": "Service point 7", "description": "Rude staff"})
    to_followup(case)
    complete(case, "Follow-up call", {"satisfaction": 5}, "agent")
    return case


def mail_of(case: Case) -> Outbox:
    """The case's closure mail."""
    return db.session.scalars(select(Outbox).where(Outbox.case_id == case.id, Outbox.template == "closed")).one()


def test_message_log_lists_counts_and_filters(mini, web):
    first, second = closed_case(), closed_case("Wang Fang", "wang.fang@example.test")
    dead = mail_of(second)
    dead.status, dead.attempts, dead.last_error = "dead", 8, "mail server refused the connection"
    db.session.commit()
    web.login("admin")
    html = web.text("/admin/messages")
    assert f'data-message="{mail_of(first).id}"' in html and f'data-message="{dead.id}"' in html
    assert re.search(r'msg-count-dead">\s*<span class="n">1<', html)
    only_dead = web.text("/admin/messages?status=dead")
    assert only_dead.count("data-message=") == 1 and "mail server refused the connection" in only_dead
    by_case = web.text(f"/admin/messages?case={first.number.lower()}")
    assert by_case.count("data-message=") == 1 and first.number in by_case


def test_message_page_renders_the_mail_and_redelivers_a_dead_one(mini, web):
    case = closed_case()
    msg = mail_of(case)
    msg.status, msg.attempts, msg.last_error = "dead", 8, "mail server refused the connection"
    db.session.commit()
    web.login("admin")
    page = web.text(f"/admin/messages/{msg.id}")
    assert 'data-testid="mail-preview"' in page and case.number in page and "Subject:" in page
    assert f"/public/status?number={case.number}" in page  # the customer's link, as the worker sends it
    assert 'data-testid="redeliver"' in page
    r = web.post(f"/admin/instances/{case.instance_id}/do/redeliver",
                 {"reason": "mail settings fixed", "outbox_id": str(msg.id)})
    assert r.status_code == 303
    db.session.expire_all()
    again = db.session.get(Outbox, msg.id)
    assert again is not None and again.status == "pending"
    assert 'data-testid="redeliver"' not in web.text(f"/admin/messages/{msg.id}")


def test_message_pages_are_for_admins_only(mini, web):
    msg = mail_of(closed_case())
    web.login("supervisor")
    assert web.get("/admin/messages").status_code == 403
    assert web.get(f"/admin/messages/{msg.id}").status_code == 403
    web.login("admin")
    assert web.get("/admin/messages/999999").status_code == 404


def test_a_mail_naming_a_time_at_the_ends_of_the_calendar_previews_it_as_stored_not_a_500(mini, web):
    """A deadline mail kept with a due time of 9999-12-31T20:00 UTC (from a promised reply typed before date-times
    were bounded) has no time in Shanghai, the mails' zone: the message page overflowed rendering it (a 500)."""
    msg = mail_of(closed_case())
    msg.template = "deadline_warning"
    msg.payload = {**(msg.payload or {}), "clock": "promised-reply", "due": "9999-12-31T20:00:00+00:00"}
    db.session.commit()
    web.login("admin")
    page = web.text(f"/admin/messages/{msg.id}")
    assert "9999-12-31 20:00 (UTC+00:00)" in page
