"""A webhook named twice for the same event is called once (like one mail per person), over a real receiver."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from tests.worker.conftest import HOOK_SECRET
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Outbox
from webapp.worker import Worker
from webapp.workflow import transitions as runtime
from webapp.workflow.definitions import deploy_directory

HERE = Path(__file__).resolve().parent
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _start() -> Case:
    case = Case(number="CL-T-HOOK", channel="phone", kind="grievance", customer_name="Li Lei", description="test",
                registered_by="agent", created_at=T0, updated_at=T0, status="open", tier=1, facts={}, record={})
    db.session.add(case)
    db.session.flush()
    runtime.start_instance(db.session, "webhook_twice", {"case_number": case.number, "kind": "grievance"},
                           "agent", case)
    db.session.commit()
    return case


def test_a_webhook_named_twice_for_the_same_event_is_called_once(app, users, hooks, settings):
    import handlers.notify  # noqa: F401  (the pack's notify handler)

    clock.freeze(T0)
    try:
        deploy_directory(db.session, HERE / "processes_webhooks", HERE / "forms", "test")
        settings = replace(settings, webhooks={"crm": {"url": hooks.url, "secret": HOOK_SECRET},
                                               "archive": {"url": hooks.url + "?archive", "secret": HOOK_SECRET}})
        case = _start()
        worker = Worker(db.session, settings)
        while worker.run_once():
            pass
    finally:
        clock.reset()
    db.session.expire_all()
    rows = db.session.scalars(select(Outbox).where(Outbox.case_id == case.id, Outbox.channel == "webhook")
                              .order_by(Outbox.id)).all()
    assert [(r.recipient, r.template, r.status) for r in rows] == [
        ("webhook:crm", "case_registered", "sent"), ("webhook:crm", "case_registered", "cancelled"),
        ("webhook:archive", "case_registered", "sent"), ("webhook:crm", "case_graded", "sent"),
        ("webhook:crm", "case_registered", "sent")]  # same event, other data: another message
    assert rows[1].last_error == f"the same webhook is already called with this message (outbox {rows[0].id})"
    assert rows[1].attempts == 1 and rows[1].sent_at == T0
    calls = sorted((r["path"], r["json"]["event"]) for r in hooks.requests if "note" not in r["json"]["data"])
    # the CRM hears of the registration once and of the grading once; another webhook (here: the same URL under
    # another name) is another receiver and is called too
    assert calls == [("/hook", "case_graded"), ("/hook", "case_registered"), ("/hook?archive", "case_registered")]
    assert worker.run_once() == 0 and len(hooks.requests) == 4
