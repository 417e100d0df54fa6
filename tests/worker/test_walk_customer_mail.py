"""Customer mail after the walk: the reply date is the T5 clock's, and every customer mail is in their language.

Seed clauses: T5 (a reply time is promised at the first contact and must be kept: the customer and staff see one
date); "every customer is told" (acknowledgement, solution, closure) — in the language they use. Real pack, real
worker, real SMTP server (aiosmtpd on loopback).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tests.helpers import GRIEVANCE, complete
from tests.process import answers as a
from tests.worker.conftest import free_port
from webapp.cases import public
from webapp.cases import service as cases
from webapp.cases.commands import deliverer, mailin_settings
from webapp.cases.mailin import guess_language, start
from webapp.deadlines.models import Deadline
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Outbox
from webapp.tasks import service as tasks
from webapp.worker import Worker

SATURDAY = datetime(2026, 12, 4, 19, 25, tzinfo=UTC)  # Saturday 03:25 in Shanghai, as on the walk


def _deliver(settings: Any) -> None:
    worker = Worker(db.session, settings)
    while worker.run_once():
        pass


def _mails(smtp: Any, to: str) -> list[tuple[str, str]]:
    return [(str(m["Subject"]), m.get_body(("plain",)).get_content()) for rcpts, m in smtp.box.messages if to in rcpts]


def test_T5_the_acknowledgement_states_the_first_response_deadline_staff_see(app, users, pack, smtp, settings):
    """T5: the date in the acknowledgement is the T5 clock's due time (business time: Monday 18:00), not 48 h."""
    clock.freeze(SATURDAY)
    try:
        case = cases.register(db.session, dict(GRIEVANCE), "agent")
        _deliver(settings)
    finally:
        clock.reset()
    t5 = db.session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                   Deadline.name == "T5-first-response")).one()
    assert t5.due_at == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # Monday 18:00 in Shanghai
    ((subject, text),) = _mails(smtp, "li.lei@example.test")
    assert "We will reply by 2026-12-07 18:00 (UTC+08:00)." in text, text


def test_T5_step_2_reply_promised_by_starts_with_the_promise_and_demand_with_the_registration(app, users, pack):
    """T5 / domain §6 step 2: 'Reply promised by' starts with the time the customer was told; the demand repeated
    back starts with the demand given at registration."""
    clock.freeze(SATURDAY)
    try:
        case = cases.register(db.session, {**GRIEVANCE, "demand": "An apology in writing"}, "agent")
        complete(case, "Pre-judgement (step 1)", a.prejudgement(), "handler1")
    finally:
        clock.reset()
    from webapp.models import HumanTask, Instance

    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                      HumanTask.state == "open")).first()
    assert task is not None and task.title == "Fact finding with the customer (step 2)"
    values = tasks.form_values(db.session, db.session.get(Instance, task.instance_id), task)
    assert values["promised_reply_at"] == "2026-12-07T10:00:00+00:00"
    assert values["demand_confirmed"] == "An apology in writing"


def test_every_customer_mail_is_in_the_customer_language_kept_on_the_case(app, users, pack, smtp, settings):
    """Every customer is told — in their language: chosen at registration, the page's on the web form, guessed
    from a mailed complaint; the closure mail follows the same language."""
    staff_zh = cases.register(db.session, {**GRIEVANCE, "customer": {**GRIEVANCE["customer"], "language": "zh",
                                                                     "email": "zh@example.test"}}, "agent")
    staff_en = cases.register(db.session, {**GRIEVANCE, "customer": {**GRIEVANCE["customer"],
                                                                     "email": "en@example.test"}}, "agent")
    web_zh = public.submit(db.session, {"name": "王芳", "email": "web@example.test", "description": "车门异响"}, "zh")
    assert (staff_zh.customer_language, staff_en.customer_language, web_zh.customer_language) == ("zh", "en", "zh")
    db.session.add(Outbox(channel="email", recipient="customer", template="closed", case_id=staff_zh.id,
                          payload={"case_number": staff_zh.number},
                          idempotency_key=f"test-closed-{staff_zh.id}"))
    db.session.commit()
    _deliver(settings)
    zh_subjects = [s for s, _ in _mails(smtp, "zh@example.test")]
    expected = [f"我们已受理您的投诉 {staff_zh.number}", f"您的工单 {staff_zh.number} 已关闭"]
    assert sorted(zh_subjects) == sorted(expected)
    assert [s for s, _ in _mails(smtp, "en@example.test")] == [f"We have received your complaint {staff_en.number}"]
    assert [s for s, _ in _mails(smtp, "web@example.test")] == [f"我们已受理您的投诉 {web_zh.number}"]


def test_a_mailed_complaint_is_answered_in_the_language_it_was_written_in(app, users, pack, smtp, settings):
    """Every customer is told: a complaint mailed in Chinese gets its acknowledgement in Chinese."""
    import smtplib
    from email.message import EmailMessage

    assert guess_language("Noise", "The door rattles. 王芳") == "en"
    assert guess_language("车门异响", "我的车门一直有异响，请尽快处理。") == "zh"
    app.config.update(MAILIN_ADDRESS="complaints@closeloop.test", MAILIN_PORT=str(free_port()),
                      MAIL_DOMAIN="test.closeloop")
    conf = mailin_settings(app.config)
    conf.domain = settings.mail.domain
    controller = start(conf, deliverer(app, conf))
    try:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "王芳 <wf@example.test>", "complaints@closeloop.test", "车门异响"
        msg.set_content("我的车门一直有异响，请尽快处理。")
        with smtplib.SMTP("127.0.0.1", conf.port, timeout=10) as client:
            client.send_message(msg)
    finally:
        controller.stop()
    db.session.expire_all()
    case = db.session.scalars(select(Case)).one()
    assert case.customer_language == "zh"
    _deliver(settings)
    assert [s for s, _ in _mails(smtp, "wf@example.test")] == [f"我们已受理您的投诉 {case.number}"]
