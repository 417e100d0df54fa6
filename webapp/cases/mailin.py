"""E-mail in (issue 13 part 6): a mail to the complaint address becomes a case or a customer message on one.

The seeds list e-mail as an intake channel. A new mail registers a case (channel e-mail, customer from the
sender, description from the body, attachments kept); a mail whose subject carries a case number, or whose
In-Reply-To/References name one of our outgoing mails, from that case's customer, is a customer message on the
case (timeline, the handler told). The aiosmtpd handler at the bottom is what `closeloop mailin` runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.cases import comments
from webapp.cases import service as cases
from webapp.engine.clock import now
from webapp.errors import Invalid
from webapp.models import Case, HumanTask, Outbox
from webapp.outbox.delivery.mail import message_id
from webapp.workflow.store import add_event

log = logging.getLogger("closeloop.mailin")
NUMBER = re.compile(r"\bCL-\d{4}-\d{6}\b")
ACTOR = "mailin"
MAX_TEXT = 20_000


@dataclass
class MailinSettings:
    """Where `closeloop mailin` listens and what it accepts."""

    address: str = "complaints@localhost"
    host: str = "127.0.0.1"
    port: int = 2525
    lmtp: bool = False
    domain: str = "closeloop.local"  # the Message-ID domain of our outgoing mails
    upload_dir: str = "var/uploads"
    max_bytes: int = 20 * 1024 * 1024


@dataclass
class Received:
    """What became of one mail: a new case or a message on an existing one."""

    number: str
    new_case: bool


def receive(session: Session, raw: bytes, settings: MailinSettings) -> Received:
    """Turn one raw mail into a case or a customer message; Invalid says what is wrong with it."""
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    name, sender = parseaddr(str(msg.get("From", "")))
    sender = sender.strip().lower()
    if "@" not in sender:
        raise Invalid("the mail has no sender address", {"From": "required"})
    subject = str(msg.get("Subject", "")).strip()
    text = _body_text(msg)
    case = _existing_case(session, msg, subject, sender, settings.domain)
    if case is not None:
        mail_key = hashlib.sha256(str(msg.get("Message-ID") or uuid.uuid4()).encode()).hexdigest()[:32]
        _customer_message(session, case, sender, subject, text, mail_key)
        _keep_attachments(session, case, msg, settings, sender)
        return Received(case.number, new_case=False)
    body = {"channel": "email", "customer": {"name": (name or sender.split("@")[0])[:200], "email": sender},
            "subject": subject[:200] or None, "description": text or subject or "(empty mail)"}
    case = cases.register(session, body, ACTOR)
    _keep_attachments(session, case, msg, settings, sender)
    log.info("mail from %s registered as case %s", sender, case.number)
    return Received(case.number, new_case=True)


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = str(part.get_content())
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    return text.strip()[:MAX_TEXT]


def _existing_case(session: Session, msg: EmailMessage, subject: str, sender: str, domain: str) -> Case | None:
    """The sender's own case named by the subject's case number or by a reply header, else None."""
    # exact (case-insensitive) match: LIKE would let '%' or '_' in a forged sender reach other customers' cases
    mine = list(session.scalars(select(Case).where(func.lower(Case.customer_email) == sender)))
    if not mine:
        return None
    by_number = {c.number: c for c in mine}
    for number in NUMBER.findall(subject):
        if number in by_number:
            return by_number[number]
    referenced = {v for h in ("In-Reply-To", "References") for v in re.findall(r"<[^>]+>", str(msg.get(h, "")))}
    if not referenced:
        return None
    rows = session.execute(select(Outbox.idempotency_key, Outbox.case_id).where(
        Outbox.case_id.in_([c.id for c in mine]), Outbox.channel == "email", Outbox.recipient == "customer"))
    by_id = {c.id: c for c in mine}
    for key, case_id in rows:
        if case_id is not None and message_id(key, domain) in referenced:
            return by_id[case_id]
    return None


def _customer_message(session: Session, case: Case, sender: str, subject: str, text: str, mail_key: str) -> None:
    """Write the message to the timeline and tell whoever has the case's open tasks (in-app and e-mail)."""
    at = now()
    add_event(session, None, case, f"customer:{sender}", "customer_message",
              {"from": sender, "subject": subject[:200], "message": text or "(empty)", "mail": mail_key})
    recipients = sorted({f"user:{t.assignee}" if t.assignee else f"group:{t.group_key}"
                         for t in session.scalars(select(HumanTask).where(
                             HumanTask.case_id == case.id, HumanTask.state == "open")) if t.assignee or t.group_key})
    payload = {"case_number": case.number, "customer_name": case.customer_name, "subject": subject[:200],
               "message": text[:2000]}
    for recipient in recipients or ["group:customer_service"]:
        for channel in ("in_app", "email"):
            session.add(Outbox(case_id=case.id, instance_id=case.instance_id, channel=channel, recipient=recipient,
                               template="customer_message", payload=payload, next_attempt_at=at,
                               idempotency_key=f"mailin:{mail_key}:{channel}:{recipient}"[:200]))
    session.commit()
    log.info("mail from %s added to case %s", sender, case.number)


def _keep_attachments(session: Session, case: Case, msg: EmailMessage, settings: MailinSettings,
                      sender: str) -> None:
    """Store each attachment as a case attachment; a refused one is noted on the timeline instead."""
    for part in msg.iter_attachments():
        filename = part.get_filename() or "attachment"
        raw = part.get_payload(decode=True)
        data = raw if isinstance(raw, bytes) else b""
        try:
            comments.save_attachment(session, case, Path(settings.upload_dir), filename, io.BytesIO(data),
                                     f"customer:{sender}", settings.max_bytes)
        except Invalid as exc:
            session.rollback()
            add_event(session, None, case, ACTOR, "attachment_refused", {"file": filename[:200], "why": str(exc)})
            session.commit()


class MailinHandler:
    """aiosmtpd handler: accept mail for the complaint address only and hand each message to `deliver`."""

    def __init__(self, address: str, deliver: Callable[[bytes], Received]) -> None:
        self.address = address.lower()
        self.deliver = deliver

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        """Refuse every recipient but the complaint address."""
        if address.lower() != self.address:
            return f"550 5.1.1 only {self.address} is accepted here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Register the mail; a mail we cannot take is refused with the reason (the sender's MTA bounces it)."""
        try:
            got = await asyncio.to_thread(self.deliver, envelope.original_content or envelope.content)
        except Invalid as exc:
            return f"550 5.6.0 {exc}"[:500]
        except Exception:
            log.exception("mail could not be registered")
            return "451 4.3.0 temporary failure, try again later"
        return f"250 OK {got.number}"


def start(settings: MailinSettings, deliver: Callable[[bytes], Received]) -> Any:
    """Start an SMTP (or LMTP) listener in a thread; returns the aiosmtpd controller (call .stop())."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.lmtp import LMTP

    handler = MailinHandler(settings.address, deliver)

    class LmtpController(Controller):  # type: ignore[misc]
        def factory(self) -> Any:
            return LMTP(self.handler)

    cls = LmtpController if settings.lmtp else Controller
    controller = cls(handler, hostname=settings.host, port=settings.port)
    controller.start()
    return controller
