"""The customer-facing side: rate limits, web intake (actor 'public') and the public status of a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from webapp.engine.clock import now
from webapp.models import Case, HumanTask
from webapp.models.web import RateHit
from webapp.services import cases

PUBLIC_ACTOR = "public"
PUBLIC_KINDS = ("grievance", "inquiry")


def recent_hits(session: Session, key: str, window_seconds: int) -> int:
    """How many hits a key has in the window (older ones are deleted on the way)."""
    since = now() - timedelta(seconds=window_seconds)
    session.execute(delete(RateHit).where(RateHit.key == key, RateHit.at < since))
    return session.scalar(select(func.count()).select_from(RateHit).where(RateHit.key == key)) or 0


def record_hit(session: Session, key: str) -> None:
    """Count one hit of a key."""
    session.add(RateHit(key=key, at=now()))
    session.commit()


def allow(session: Session, key: str, limit: int, window_seconds: int) -> bool:
    """Count one request of a client; False when it has made `limit` requests in the window already."""
    if recent_hits(session, key, window_seconds) >= limit:
        session.commit()
        return False
    record_hit(session, key)
    return True


def submit(session: Session, form: dict[str, Any]) -> Case:
    """Register a customer's web complaint (channel web, registered by 'public'); Invalid names bad fields."""
    kind = form.get("kind") if form.get("kind") in PUBLIC_KINDS else "grievance"
    customer = {"name": (form.get("name") or "").strip()}
    for key in ("phone", "email", "address"):
        value = (form.get(key) or "").strip()
        if value:
            customer[key] = value
    body: dict[str, Any] = {"channel": "web", "kind": kind, "customer": customer,
                            "description": (form.get("description") or "").strip()}
    for key in ("subject", "demand"):
        value = (form.get(key) or "").strip()
        if value:
            body[key] = value
    return cases.register(session, body, PUBLIC_ACTOR)


def _digits(value: str | None) -> str:
    return "".join(ch for ch in value or "" if ch.isdigit())


@dataclass
class PublicStatus:
    """What a customer may see: no staff names, no internal notes, no form data."""

    number: str
    stage: str
    received_at: datetime
    updated_at: datetime
    closed_at: datetime | None


def status(session: Session, number: str, phone: str) -> PublicStatus | None:
    """The public status of a case when number and phone match (None otherwise, without saying which failed)."""
    case = session.scalars(select(Case).where(Case.number == number.strip().upper())).first()
    given = _digits(phone)
    if case is None or len(given) < 6 or _digits(case.customer_phone) != given:
        return None
    if case.status.startswith("closed"):
        stage = "closed"
    elif case.status == "terminated":
        stage = "withdrawn"
    else:
        working = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.state == "completed")) or 0
        stage = "in_progress" if working else "received"
    return PublicStatus(case.number, stage, case.created_at, case.updated_at, case.closed_at)
