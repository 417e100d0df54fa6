"""The notification bell: in-app outbox rows for me or my groups, counted, listed, marked read on click."""

from __future__ import annotations

from typing import Any

from tests.helpers import register
from webapp.extensions import db
from webapp.models import Outbox
from webapp.outbox.models import NoticeRead


def _notice(recipient: str, template: str, case: Any, key: str) -> Outbox:
    row = Outbox(channel="in_app", recipient=recipient, template=template, case_id=case.id,
                 payload={"case_number": case.number}, idempotency_key=key)
    db.session.add(row)
    db.session.commit()
    return row


def test_bell_counts_my_and_my_groups_notices_and_marks_them_read(web_factory: Any, mini: Any) -> None:
    case = register()
    personal = _notice("user:handler1", "task_assigned", case, "k1")
    group = _notice("group:tier_1_handler", "deadline_missed", case, "k2")
    _notice("user:handler2", "task_assigned", case, "k3")
    _notice("email:someone@example.test", "closed", case, "k4")
    h1, h1b = web_factory().login("handler1"), web_factory().login("handler1b")
    page = h1.text("/notices/")
    assert '<span class="bell-count">2</span>' in page
    assert f"A task of {case.number} was given to you" in page and f"Deadline missed on {case.number}" in page
    r = h1.post(f"/notices/{group.id}/read")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/cases/{case.number}")
    assert '<span class="bell-count">1</span>' in h1.text("/")
    assert '<span class="bell-count">1</span>' in h1b.text("/"), "a group notice stays unread for colleagues"
    h1.post(f"/notices/{personal.id}/read")
    assert "bell-count" not in h1.text("/")
    db.session.expire_all()
    assert db.session.get(Outbox, personal.id).read_at is not None
    assert db.session.scalars(db.select(NoticeRead.username)).all() == ["handler1"]


def test_someone_elses_notice_cannot_be_read(web: Any, mini: Any) -> None:
    case = register()
    other = _notice("user:handler2", "task_assigned", case, "k1")
    web.login("handler1")
    web.get("/notices/")
    assert web.post(f"/notices/{other.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Outbox, other.id).read_at is None


def test_mark_all_read(web: Any, mini: Any) -> None:
    case = register()
    _notice("user:handler1", "task_assigned", case, "k1")
    _notice("group:tier_1_handler", "deadline_missed", case, "k2")
    web.login("handler1")
    web.get("/notices/")
    assert "2 notices marked read." in web.text(web.post("/notices/read-all").headers["Location"])
    assert "bell-count" not in web.text("/")


def test_notices_from_the_process_reach_the_bell(web: Any, mini: Any) -> None:
    from datetime import timedelta

    from webapp.deadlines.timers import fire_due_timers
    from webapp.engine import clock

    case = register()
    clock.advance(timedelta(hours=5))
    while fire_due_timers(db.session):
        pass
    web.login("supervisor")  # the fixture diagram tells group:service_supervisor about the missed deadline
    page = web.text("/notices/")
    assert f"Deadline missed on {case.number}" in page and '<span class="bell-count">1</span>' in page


def test_demo_mode_receives_the_packs_webhooks(tmp_path: Any) -> None:
    """scripts/run points webhook:sales at /demo/webhooks/sales: demo leads are delivered, not dead messages."""
    from tests.conftest import _test_config
    from webapp.app import create_app

    config = _test_config(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path)
    demo = create_app({**config, "DEMO_MODE": True}).test_client()
    assert demo.post("/demo/webhooks/sales", json={"lead": "x"}).status_code == 204
    plain = create_app({**config, "DEMO_MODE": False}).test_client()
    assert plain.post("/demo/webhooks/sales", json={"lead": "x"}).status_code == 404
