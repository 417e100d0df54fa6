"""Issue 13 part 6, e-mail in: real mail sent over SMTP (smtplib) to the `closeloop mailin` receiver.

Seed clause: e-mail is an intake channel (来源渠道: 电子邮件); a reply from the customer belongs to their case.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.worker.conftest import free_port
from webapp.cases import comments
from webapp.cases import service as cases
from webapp.cases.commands import deliverer, mailin_settings
from webapp.cases.mailin import start
from webapp.extensions import db
from webapp.models import Case, Event, Outbox
from webapp.worker import Worker

ADDRESS = "complaints@closeloop.test"
CUSTOMER = "wang.fang@example.test"


@pytest.fixture
def mailin(app: Flask, pack: None, settings: Any) -> Iterator[int]:
    """`closeloop mailin` listening on a loopback port; yields the port."""
    app.config.update(MAILIN_ADDRESS=ADDRESS, MAILIN_PORT=str(free_port()), MAIL_DOMAIN="test.closeloop")
    conf = mailin_settings(app.config)
    conf.domain = settings.mail.domain
    controller = start(conf, deliverer(app, conf))
    yield conf.port
    controller.stop()


def _send(port: int, subject: str, body: str, sender: str = f"Wang Fang <{CUSTOMER}>", to: str = ADDRESS,
          headers: dict[str, str] | None = None, attach: tuple[str, bytes] | None = None) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if attach:
        msg.add_attachment(attach[1], maintype="application", subtype="pdf", filename=attach[0])
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(msg)


def _case() -> Case:
    db.session.expire_all()
    (case,) = db.session.scalars(select(Case)).all()
    return case


def test_a_mail_becomes_a_case_and_a_reply_lands_on_the_same_case(app, users, mailin, smtp, settings):
    """E-mail channel: new mail -> case with customer, description, attachment; reply (In-Reply-To) -> same case."""
    _send(mailin, "Brake noise after repair", "The brakes squeal since the repair on Monday.",
          attach=("invoice.pdf", b"%PDF-1.4 test invoice"))
    case = _case()
    assert (case.channel, case.customer_email, case.customer_name) == ("email", CUSTOMER, "Wang Fang")
    assert case.description == "The brakes squeal since the repair on Monday." and case.registered_by == "mailin"
    assert [a.filename for a in comments.attachments(db.session, case)] == ["invoice.pdf"]
    assert cases.open_tasks(db.session, case)  # the agent classifies it like any other contact
    # the worker mails the acknowledgement; the customer answers it (their mail client sets In-Reply-To)
    Worker(db.session, settings).run_once()
    (ack,) = [m for rcpts, m in smtp.box.messages if rcpts == [CUSTOMER]]
    _send(mailin, "Re: your mail", "Here is a photo of the pad.", headers={"In-Reply-To": str(ack["Message-ID"])})
    _send(mailin, f"More about {case.number}", "It got worse today.")
    case = _case()  # still exactly one case
    messages = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "customer_message")
                                  .order_by(Event.id)).all()
    assert [e.data["message"] for e in messages] == ["Here is a photo of the pad.", "It got worse today."]
    told = db.session.scalars(select(Outbox).where(Outbox.template == "customer_message")).all()
    assert {(r.channel, r.recipient) for r in told} == {("in_app", "group:customer_service"),
                                                        ("email", "group:customer_service")}


def test_another_senders_mail_naming_a_case_is_a_new_case_and_other_addresses_are_refused(app, users, mailin):
    """No leak: only the case's customer can add to it; the receiver takes the complaint address only."""
    _send(mailin, "Broken window", "The window does not close.")
    first = _case()
    _send(mailin, f"About {first.number}", "I am someone else.", sender="other@example.test")
    _send(mailin, f"About {first.number}", "Wildcard sender.", sender="%@%")
    db.session.expire_all()
    assert db.session.query(Case).count() == 3
    assert not db.session.scalars(select(Event).where(Event.kind == "customer_message")).all()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(mailin, "Hello", "Wrong address", to="sales@closeloop.test")
