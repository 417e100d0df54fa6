"""Outbox delivery over a real SMTP server and a real webhook receiver: content, languages, keys, retries."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.worker.conftest import HOOK_SECRET, start_sla
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Event, Outbox
from webapp.outbox import service as outbox
from webapp.outbox.delivery import webhook
from webapp.outbox.delivery.mail import message_id
from webapp.worker import Worker

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def _rows(case_id: int) -> list[Outbox]:
    db.session.expire_all()
    return list(db.session.scalars(select(Outbox).where(Outbox.case_id == case_id).order_by(Outbox.id)))


def test_customer_mail_and_signed_webhook_are_delivered_once_with_their_keys(app, users, sla, smtp, hooks, settings):
    clock.freeze(T0)
    case = start_sla(lang="en")
    worker = Worker(db.session, settings)
    assert worker.run_once() >= 2
    (rcpts, msg), = smtp.box.messages
    ack = next(r for r in _rows(case.id) if r.template == "acknowledgement")
    assert rcpts == ["li.lei@example.test"]
    assert msg["Message-ID"] == message_id(ack.idempotency_key, "test.closeloop")
    assert msg["Subject"] == f"We have received your complaint {case.number}"
    assert msg["X-Closeloop-Key"] == ack.idempotency_key and msg["Content-Language"] == "en"
    text, html = (part.get_content() for part in msg.iter_parts())
    # the customer's link is the public status page (the staff case page would ask them to sign in)
    assert f"http://closeloop.test/public/status?number={case.number}" in text and "/cases/" not in text
    assert f'href="http://closeloop.test/public/status?number={case.number}"' in html and "<strong>" in html
    (req,) = hooks.requests
    hook_row = next(r for r in _rows(case.id) if r.channel == "webhook")
    stamp = req["headers"]["X-Closeloop-Timestamp"]
    expected = hmac.new(HOOK_SECRET.encode(), stamp.encode() + b"." + req["body"], hashlib.sha256).hexdigest()
    assert req["headers"]["X-Closeloop-Signature"] == f"sha256={expected}"
    assert req["headers"]["Idempotency-Key"] == hook_row.idempotency_key
    assert req["json"]["event"] == "case_registered" and req["json"]["data"]["case_number"] == case.number
    assert {r.channel: r.status for r in _rows(case.id)} == {"email": "sent", "webhook": "sent"}
    assert all(r.attempts == 1 and r.sent_at == T0 for r in _rows(case.id))
    assert worker.run_once() == 0 and len(smtp.box.messages) == 1 and len(hooks.requests) == 1


def test_chinese_mail_for_a_chinese_case(app, users, sla, smtp, settings):
    case = start_sla(lang="zh")
    Worker(db.session, settings).run_once()
    (_, msg), = smtp.box.messages
    assert msg["Subject"] == f"我们已受理您的投诉 {case.number}" and msg["Content-Language"] == "zh-CN"
    text = msg.get_body(("plain",)).get_content()
    assert "尊敬的Li Lei" in text and case.number in text


def test_staff_group_mail_goes_to_every_member_in_their_language(app, users, smtp, settings):
    from tests.helpers import user

    user("handler2").language = "zh"
    db.session.add(Outbox(channel="email", recipient="group:tier_1_handler", template="deadline_missed",
                          payload={"clock": "K1", "case_number": "CL-X"}, idempotency_key="k-group"))
    db.session.add(Outbox(channel="email", recipient="user:handler2", template="deadline_missed",
                          payload={"clock": "K1", "case_number": "CL-X"}, idempotency_key="k-user"))
    db.session.commit()
    Worker(db.session, settings).run_once()
    by_key = {m["X-Closeloop-Key"]: (r, m) for r, m in smtp.box.messages}
    assert sorted(by_key["k-group"][0]) == ["handler1@example.test", "handler1b@example.test"]
    assert by_key["k-group"][1]["Subject"] == "Deadline K1 missed: case CL-X"
    assert by_key["k-user"][0] == ["handler2@example.test"]
    assert by_key["k-user"][1]["Subject"].startswith("超时") and "K1" in by_key["k-user"][1]["Subject"]


def test_in_app_notice_is_marked_delivered_without_network(app, users, settings):
    db.session.add(Outbox(channel="in_app", recipient="group:service_supervisor", template="deadline_missed",
                          payload={}, idempotency_key="k-inapp"))
    db.session.commit()
    Worker(db.session, settings).run_once()
    row = db.session.scalars(select(Outbox)).one()
    assert (row.status, row.attempts) == ("delivered", 1) and row.sent_at is not None


def test_smtp_down_then_up_retries_with_backoff_and_delivers_each_message_once(app, users, sla, smtp, settings):
    clock.freeze(T0)
    smtp.stop()
    cases = [start_sla() for _ in range(3)]
    worker = Worker(db.session, settings)
    worker.run_once()
    mails = db.session.scalars(select(Outbox).where(Outbox.channel == "email")).all()
    assert len(mails) == 3
    assert all(m.status == "pending" and m.attempts == 1 and "SMTP" in (m.last_error or "") for m in mails)
    assert all(m.next_attempt_at == T0 + timedelta(seconds=10) for m in mails)
    clock.advance(timedelta(seconds=5))
    worker.run_once()  # not due yet: nothing attempted
    db.session.expire_all()
    assert all(m.attempts == 1 for m in mails)
    clock.advance(timedelta(seconds=6))
    worker.run_once()  # second attempt, still down: wait doubles
    db.session.expire_all()
    assert all(m.attempts == 2 and m.next_attempt_at == clock.now() + timedelta(seconds=20) for m in mails)
    smtp.start()
    clock.advance(timedelta(seconds=21))
    worker.run_once()
    db.session.expire_all()
    assert all(m.status == "sent" and m.attempts == 3 for m in mails)
    ids = smtp.box.ids()
    assert sorted(ids) == sorted(message_id(m.idempotency_key, "test.closeloop") for m in mails)
    assert len(set(ids)) == len(ids) == 3
    assert {m["To"] for _, m in smtp.box.messages} == {"li.lei@example.test"} and len(cases) == 3


def test_a_message_that_keeps_failing_becomes_an_incident_and_the_case_moves_on(app, users, sla, smtp, settings):
    clock.freeze(T0)
    smtp.stop()
    case = start_sla()
    worker = Worker(db.session, settings)
    for _ in range(settings.max_attempts):
        worker.run_once()
        clock.advance(timedelta(seconds=settings.backoff_cap + 1))
    mail = db.session.scalars(select(Outbox).where(Outbox.case_id == case.id, Outbox.channel == "email")).one()
    assert (mail.status, mail.attempts) == ("dead", settings.max_attempts)
    assert outbox.dead_count(db.session) == 1 and outbox.counts(db.session)["dead"] == 1
    from tests.helpers import instance_of

    assert instance_of(case).status == "user_input"  # the complaint itself keeps moving
    smtp.start()
    assert outbox.retry(db.session) == 1
    db.session.commit()
    worker.run_once()
    db.session.expire_all()
    assert mail.status == "sent" and len(smtp.box.messages) == 1


def test_webhook_503_is_retried_and_4xx_is_permanent(app, users, sla, hooks, settings):
    clock.freeze(T0)
    hooks.fail_next = 1
    start_sla()
    worker = Worker(db.session, settings)
    worker.run_once()
    row = db.session.scalars(select(Outbox).where(Outbox.channel == "webhook")).one()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "webhook answered HTTP 503")
    clock.advance(timedelta(seconds=11))
    worker.run_once()
    db.session.expire_all()
    assert (row.status, row.attempts) == ("sent", 2) and len(hooks.requests) == 1
    env = outbox.Claim(row.id, "webhook", "webhook:crm", "x", {}, "k", 1, None, False)
    assert webhook.body_of(outbox.envelope(db.session, env, settings)).startswith(b"{")


def test_unknown_webhook_and_missing_address_are_permanent_incidents(app, users, settings):
    db.session.add(Outbox(channel="webhook", recipient="webhook:nowhere", template="x", payload={},
                          idempotency_key="k-nohook"))
    db.session.add(Outbox(channel="email", recipient="user:nobody", template="closed", payload={},
                          idempotency_key="k-noaddr"))
    db.session.commit()
    Worker(db.session, settings).run_once()
    rows = db.session.scalars(select(Outbox).order_by(Outbox.id)).all()
    assert [(r.status, r.attempts) for r in rows] == [("dead", 1), ("dead", 1)]
    assert "no webhook configured" in rows[0].last_error and "no e-mail address" in rows[1].last_error


def test_interrupted_attempt_is_detected_and_resent_with_the_same_key(app, users, sla, smtp, settings):
    clock.freeze(T0)
    case = start_sla()
    claims = outbox.claim(db.session, settings, channels=("email",))  # a worker claimed ... and died
    assert len(claims) == 1 and claims[0].attempt == 1
    worker = Worker(db.session, settings)
    worker.run_once()
    assert smtp.box.messages == []  # the lease is still held
    clock.advance(timedelta(seconds=settings.lease_seconds + 1))
    worker.run_once()
    row = db.session.get(Outbox, claims[0].id)
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("sent", 2)
    assert "ended without a result" in row.last_error
    assert smtp.box.ids() == [message_id(row.idempotency_key, "test.closeloop")]
    assert outbox.mark_done(db.session, claims[0]) is False  # the dead worker's late result is ignored
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.case_id == case.id)) > 0
