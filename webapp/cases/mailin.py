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

import lxml.html
from lxml import etree
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
CLOSED = ("closed", "closed_malicious")


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
    """Turn one raw mail into a case or a customer message; Invalid says what is wrong with it.

    One transaction: the case (or message) and its attachments are stored together or not at all (files written for
    a failed transaction are removed).
    """
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    name, sender = parseaddr(str(msg.get("From", "")))
    sender = sender.strip().lower()
    if "@" not in sender:
        raise Invalid("the mail has no sender address", {"From": "required"})
    subject = str(msg.get("Subject", "")).strip()
    text = body_text(msg)
    written: list[Path] = []
    try:
        got = _receive(session, msg, settings, (name, sender, subject, text), written)
        session.commit()
    except BaseException:
        session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return got


def _receive(session: Session, msg: EmailMessage, settings: MailinSettings, mail: tuple[str, str, str, str],
             written: list[Path]) -> Received:
    """The work of `receive`, uncommitted: a message on the sender's open case, else a new case.

    A mail about a CLOSED case is a new complaint linked to it as the same issue (domain §3 G3-a: "the same problem
    complained about 3 times after it had been handled" counts complaints after closure; a closed case's process has
    ended, and reopening is the follow-up call's decision, §6). The closed case's timeline notes the new one.
    """
    name, sender, subject, text = mail
    case = _existing_case(session, msg, subject, sender, settings.domain)
    if case is not None and case.status not in CLOSED:
        mail_key = hashlib.sha256(str(msg.get("Message-ID") or uuid.uuid4()).encode()).hexdigest()[:32]
        _customer_message(session, case, sender, subject, text, mail_key)
        _keep_attachments(session, case, msg, settings, sender, written)
        return Received(case.number, new_case=False)
    customer = {"name": (name or sender.split("@")[0])[:200], "email": sender,
                "language": guess_language(subject, text)}
    body = {"channel": "email", "customer": customer,
            "subject": subject[:200] or None, "description": text or subject or "(empty mail)"}
    if case is not None:
        body["same_issue_as"] = case.number
    new = cases.register(session, body, ACTOR, commit=False)
    if case is not None:
        add_event(session, None, case, f"customer:{sender}", "customer_message",
                  {"from": sender, "subject": subject[:200], "message": text or "(empty)", "new_case": new.number})
    _keep_attachments(session, new, msg, settings, sender, written)
    log.info("mail from %s registered as case %s%s", sender, new.number,
             f" (after closed case {case.number})" if case is not None else "")
    return Received(new.number, new_case=True)


BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol")


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def guess_language(subject: str, text: str) -> str:
    """The language to answer a mailed complaint in: Chinese when a good share of its letters are Han characters
    (a few in a signature do not count), else English."""
    sample = f"{subject}\n{text}"[:4000]
    han = len(_HAN.findall(sample))
    letters = sum(1 for ch in sample if ch.isalpha())
    return "zh" if han and han >= 0.3 * letters else "en"


def html_text(html: str) -> str:
    """Readable text of an HTML mail body (lxml's parser: entities decoded, scripts and styles dropped, one line per
    paragraph, line break or list item)."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    for bad in root.xpath("//script|//style|//head|//title"):
        bad.drop_tree()
    for element in root.iter(*BLOCKS):
        element.tail = "\n" + (element.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_text(msg: EmailMessage) -> str:
    """The mail's text: the plain part, else the HTML part converted to text."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = str(part.get_content())
    if part.get_content_type() == "text/html":
        text = html_text(text)
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
    log.info("mail from %s added to case %s", sender, case.number)


def _keep_attachments(session: Session, case: Case, msg: EmailMessage, settings: MailinSettings, sender: str,
                      written: list[Path]) -> None:
    """Store each attachment with the case in the caller's transaction; a refused one is noted on the timeline.

    `save_attachment` refuses (type, size, content) before it writes anything, so a refusal leaves nothing to undo.
    """
    for part in msg.iter_attachments():
        filename = part.get_filename() or "attachment"
        raw = part.get_payload(decode=True)
        data = raw if isinstance(raw, bytes) else b""
        try:
            saved = comments.save_attachment(session, case, Path(settings.upload_dir), filename, io.BytesIO(data),
                                             f"customer:{sender}", settings.max_bytes, commit=False)
        except Invalid as exc:
            add_event(session, None, case, ACTOR, "attachment_refused", {"file": filename[:200], "why": str(exc)})
            continue
        written.append(comments.stored_path(settings.upload_dir, saved))


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
