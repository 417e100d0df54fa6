"""The admin message log: outbox rows with filters, counts and keyset paging, and a rendered mail preview."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.models import Case
from webapp.outbox.delivery import DeliveryError
from webapp.outbox.delivery.mail import build
from webapp.outbox.delivery.settings import WorkerSettings
from webapp.outbox.models import Outbox
from webapp.outbox.service import Claim, envelope
from webapp.paging import newest_first

STATUSES = ("pending", "sending", "sent", "delivered", "dead")
CHANNELS = ("email", "webhook", "in_app")


@dataclass
class MessageFilters:
    """What the message list is narrowed to."""

    status: str | None = None
    channel: str | None = None
    recipient: str | None = None
    case_number: str | None = None
    template: str | None = None


@dataclass
class MessageRow:
    """One outbox row with the number of its case."""

    message: Outbox
    case_number: str | None


def list_messages(session: Session, filters: MessageFilters, before: int | None = None,
                  limit: int = 50) -> tuple[list[MessageRow], int | None]:
    """Messages newest first; the id to pass as `before` for the next page (None on the last page)."""
    stmt = select(Outbox, Case.number).outerjoin(Case, Case.id == Outbox.case_id)
    if filters.status:
        stmt = stmt.where(Outbox.status == filters.status)
    if filters.channel:
        stmt = stmt.where(Outbox.channel == filters.channel)
    if filters.recipient:
        stmt = stmt.where(Outbox.recipient.contains(filters.recipient, autoescape=True))
    if filters.template:
        stmt = stmt.where(Outbox.template == filters.template)
    if filters.case_number:
        stmt = stmt.where(Case.number == filters.case_number.strip().upper())
    rows, next_before = newest_first(session, stmt, Outbox.id, before, limit, rows=True)
    return [MessageRow(m, n) for m, n in rows], next_before


def message_with_case(session: Session, message_id: int) -> tuple[Outbox, Case | None] | None:
    """One outbox row and its case (None for a message of no case); None when there is no such message."""
    message = session.get(Outbox, message_id)
    if message is None:
        return None
    return message, session.get(Case, message.case_id) if message.case_id else None


def counts(session: Session) -> dict[str, int]:
    """Messages per status, every status present (zero when none)."""
    found = dict(session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
    return {s: int(found.get(s, 0)) for s in STATUSES}


def templates(session: Session) -> list[str]:
    """Template names in use, for the filter."""
    return sorted(t for (t,) in session.execute(select(Outbox.template).distinct()))


@dataclass
class Preview:
    """What a message says: subject and plain text for mail, the payload for other channels."""

    subject: str | None
    text: str | None
    error: str | None


def preview(session: Session, message: Outbox, settings: WorkerSettings) -> Preview:
    """Render a mail message as the worker would send it: its envelope (language, link) and its MIME build."""
    if message.channel != "email":
        return Preview(None, None, None)
    claim = Claim(message.id, message.channel, message.recipient, message.template, dict(message.payload or {}),
                  message.idempotency_key, message.attempts, message.case_id, False)
    try:
        mime = build(envelope(session, claim, settings), settings.mail)
    except DeliveryError as exc:
        return Preview(None, None, str(exc))
    body = mime.get_body(("plain",))
    return Preview(str(mime["Subject"]), body.get_content() if body is not None else "", None)
