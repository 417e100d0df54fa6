"""Outbox delivery bookkeeping: claim rows (skip-locked), resolve addresses, record each attempt's result.

A row goes pending -> sending (attempt counted and committed BEFORE anything is sent) -> sent/delivered, or back
to pending with exponential backoff, or dead after the last attempt. A worker that dies mid-send leaves the row
in 'sending' until its lease ends; the next claim then records that the earlier attempt's outcome is unknown and
sends again with the same idempotency key (Message-ID / Idempotency-Key), so receivers can drop the duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.orm import Session

from webapp.engine.clock import now
from webapp.masterdata import units
from webapp.models import Case, Deadline, Outbox, User
from webapp.outbox.delivery import Envelope
from webapp.outbox.delivery.mail import language_of
from webapp.outbox.delivery.settings import WorkerSettings
from webapp.outbox.recipients import already_reached, same_webhook_earlier, staff_addresses

DONE = ("sent", "delivered", "read", "cancelled")


@dataclass
class Claim:
    """A row this worker now owns for one attempt."""

    id: int
    channel: str
    recipient: str
    template: str
    payload: dict[str, Any]
    key: str
    attempt: int
    case_id: int | None
    recovered: bool


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait after failed attempt number `attempt` (1, 2, 4, 8 ... times base, capped)."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))


def _claimable(at: datetime) -> Any:
    return (Outbox.next_attempt_at <= at) & Outbox.status.in_(("pending", "sending"))


def claim(session: Session, settings: WorkerSettings, at: datetime | None = None,
          channels: tuple[str, ...] | None = None, limit: int = 1) -> list[Claim]:
    """Take up to `limit` due rows no other worker holds, mark them 'sending' with the attempt counted; commit."""
    at = at or now()
    stmt = select(Outbox).where(_claimable(at)).order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)
    if channels:
        stmt = stmt.where(Outbox.channel.in_(channels))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    claims = []
    for row in rows:
        recovered = row.status == "sending"
        if recovered:
            row.last_error = f"attempt {row.attempts} ended without a result (worker stopped); sending again"
        row.status = "sending"
        row.attempts += 1
        row.next_attempt_at = at + timedelta(seconds=settings.lease_seconds)
        claims.append(Claim(row.id, row.channel, row.recipient, row.template, dict(row.payload or {}),
                            row.idempotency_key, row.attempts, row.case_id, recovered))
    session.commit()
    return claims


def mark_done(session: Session, claim_: Claim, at: datetime | None = None) -> bool:
    """Record a successful attempt (only if this attempt still owns the row); True if recorded."""
    status = "delivered" if claim_.channel == "in_app" else "sent"
    result = session.execute(update(Outbox).where(Outbox.id == claim_.id, Outbox.attempts == claim_.attempt,
                                                  Outbox.status == "sending")
                             .values(status=status, sent_at=at or now(), next_attempt_at=None))
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_duplicate(session: Session, claim_: Claim, first_id: int, at: datetime | None = None) -> None:
    """Close a row an earlier row of the same message makes redundant (every address already mailed, or the same
    webhook already called): cancelled, with why."""
    why = ("the same webhook is already called with this message" if claim_.channel == "webhook"
           else "everyone it reaches already gets the same message")
    session.execute(update(Outbox).where(Outbox.id == claim_.id, Outbox.attempts == claim_.attempt)
                    .values(status="cancelled", sent_at=at or now(), next_attempt_at=None,
                            last_error=f"{why} (outbox {first_id})"))
    session.commit()


def mark_failed(session: Session, claim_: Claim, error: str, settings: WorkerSettings, permanent: bool = False,
                at: datetime | None = None) -> str:
    """Record a failed attempt: retry later with backoff, or 'dead' after the last attempt; the new status."""
    at = at or now()
    dead = permanent or claim_.attempt >= settings.max_attempts
    values: dict[str, Any] = {"last_error": error[:2000]}
    if dead:
        values.update(status="dead", next_attempt_at=None)
    else:
        wait = backoff(claim_.attempt, settings.backoff_base, settings.backoff_cap)
        values.update(status="pending", next_attempt_at=at + timedelta(seconds=wait))
    session.execute(update(Outbox).where(Outbox.id == claim_.id, Outbox.attempts == claim_.attempt)
                    .values(**values))
    session.commit()
    return str(values["status"])


def deliver_in_app(session: Session, limit: int = 500, at: datetime | None = None) -> list[int]:
    """Make due in-app notices visible in the bell (no network: one transaction per batch); their ids."""
    at = at or now()
    stmt = (select(Outbox.id).where(Outbox.channel == "in_app", _claimable(at))
            .order_by(Outbox.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(session.scalars(stmt))
    if ids:
        session.execute(update(Outbox).where(Outbox.id.in_(ids)).values(
            status="delivered", sent_at=at, attempts=Outbox.attempts + 1, next_attempt_at=None))
    session.commit()
    return ids


def envelope(session: Session, claim_: Claim, settings: WorkerSettings) -> Envelope:
    """Addresses, language, case link and webhook target of a claimed row."""
    env = Envelope(claim_.id, claim_.channel, claim_.recipient, claim_.template, claim_.payload, claim_.key,
                   claim_.attempt, language=language_of(claim_.payload.get("lang"), settings.language),
                   timezone=settings.timezone)
    case = session.get(Case, claim_.case_id) if claim_.case_id else None
    if case is not None:
        # staff get the case page; the customer gets the public status page (number in the link, phone asked)
        env.case_url = (f"{settings.base_url}/public/status?number={case.number}" if claim_.recipient == "customer"
                        else f"{settings.base_url}/cases/{case.number}")
        env.payload.setdefault("case_number", case.number)
        env.payload.setdefault("customer_name", case.customer_name)
    kind, _, name = claim_.recipient.partition(":")
    if claim_.channel == "webhook":
        hook = settings.webhooks.get(name or kind) or {}
        env.webhook_url, env.webhook_secret = hook.get("url"), hook.get("secret")
        env.duplicate_of = same_webhook_earlier(session, claim_.id)
    elif claim_.recipient == "customer":
        _for_customer(session, env, case)
    elif kind == "user":
        user = session.scalars(select(User).where(User.username == name, User.is_active.is_(True))).first()
        if user is not None and user.email:
            env.addresses = [user.email]
            env.language = language_of(claim_.payload.get("lang") or user.language, settings.language)
            env.timezone = user.timezone or settings.timezone
    elif kind == "group" or units.parse(claim_.recipient) or "@" in claim_.recipient:
        env.addresses = staff_addresses(session, claim_.recipient, settings)
    if claim_.channel == "email" and claim_.recipient != "customer" and env.addresses:
        covered, env.duplicate_of = already_reached(session, claim_.id, settings)
        env.addresses = [a for a in env.addresses if a not in covered]
    session.rollback()  # end the read transaction; nothing was written
    return env


def _for_customer(session: Session, env: Envelope, case: Case | None) -> None:
    """The customer's address and language; a promised reply time named by its clock (`reply_by_clock`) is the
    clock's due time, so the mail states the very instant staff see on the case."""
    env.addresses = [case.customer_email] if case is not None and case.customer_email else []
    if case is not None and case.customer_language:  # every customer mail in the language kept on the case
        env.language = language_of(case.customer_language, env.language)
    name = env.payload.get("reply_by_clock")
    if case is None or not name:
        return
    due = session.scalar(select(Deadline.due_at).where(Deadline.case_id == case.id, Deadline.name == str(name),
                                                       Deadline.due_at.is_not(None)).order_by(Deadline.id.desc()))
    if due is not None:
        env.payload["reply_by"] = due.isoformat()


def earliest_columns() -> tuple[ScalarSelect[datetime | None], ScalarSelect[datetime | None]]:
    """When the next in-app notice, and the next e-mail or webhook, becomes due (pending retry or an expiring
    lease): columns for the worker's one due-times statement."""
    waiting = Outbox.status.in_(("pending", "sending"))
    in_app = select(func.min(Outbox.next_attempt_at)).where(waiting, Outbox.channel == "in_app")
    others = select(func.min(Outbox.next_attempt_at)).where(waiting, Outbox.channel != "in_app")
    return in_app.scalar_subquery(), others.scalar_subquery()


def counts(session: Session) -> dict[str, int]:
    """Rows by status; 'dead' is the incident count admins see."""
    return {status: n for status, n in session.execute(
        select(Outbox.status, func.count()).group_by(Outbox.status))}


def dead_count(session: Session) -> int:
    """Messages that failed for good and need an administrator."""
    return session.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == "dead")) or 0


def retry(session: Session, ids: list[int] | None = None, at: datetime | None = None) -> int:
    """Put dead messages back in the queue (after a fix) with their attempt count kept; how many (no commit)."""
    stmt = update(Outbox).where(Outbox.status == "dead")
    if ids is not None:
        stmt = stmt.where(Outbox.id.in_(ids))
    result = session.execute(stmt.values(status="pending", next_attempt_at=at or now()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

