"""The customer-facing side: rate limits, web intake (actor 'public') and the public status of a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from webapp.cases import service as cases
from webapp.engine.clock import now
from webapp.models import Case, Deadline, Event, HumanTask, Outbox

PUBLIC_ACTOR = "public"
PUBLIC_KINDS = ("grievance", "inquiry")


def submit(session: Session, form: dict[str, Any], language: str = "en") -> Case:
    """Register a customer's web complaint (channel web, registered by 'public') in the page's language (their
    mail is written in it); Invalid names bad fields."""
    kind = form.get("kind") if form.get("kind") in PUBLIC_KINDS else "grievance"
    customer = {"name": (form.get("name") or "").strip(), "language": "zh" if language.startswith("zh") else "en"}
    for key in ("phone", "email", "address"):
        value = (form.get(key) or "").strip()
        if value:
            customer[key] = value
    body: dict[str, Any] = {"channel": "web", "kind": kind, "customer": customer,
                            "description": (form.get("description") or "").strip()}
    for key in ("subject", "demand", "category"):
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
    survey_open: bool = False
    reply_by: datetime | None = None  # the reply time we promised, while it is still to come
    solution: str | None = None  # the solution we proposed, as it was mailed to the customer


def status(session: Session, number: str, phone: str) -> PublicStatus | None:
    """The public status of a case when number and phone or e-mail match (None otherwise, not saying which failed)."""
    case = _matching(session, number, phone)
    if case is None:
        return None
    if case.status.startswith("closed"):
        stage = "closed"
    elif case.status == "terminated":
        stage = "withdrawn"
    else:
        working = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.case_id == case.id, HumanTask.state == "completed")) or 0
        stage = "in_progress" if working else "received"
    found = PublicStatus(case.number, stage, case.created_at, case.updated_at, case.closed_at, survey_open(case))
    found.reply_by = None if stage in ("closed", "withdrawn") else promised_reply(session, case)
    found.solution = proposed_solution(session, case)
    return found


def promised_reply(session: Session, case: Case) -> datetime | None:
    """The reply time the customer was promised: the promise of the first contact (step 2) while it runs, else the
    first-response deadline the acknowledgement named (the same clocks staff see)."""
    for name in ("promised-reply", "T5-first-response"):
        due = session.scalar(select(Deadline.due_at).where(Deadline.case_id == case.id, Deadline.name == name,
                                                           Deadline.state.in_(("running", "paused")))
                             .order_by(Deadline.id.desc()))
        if due is not None:
            return due
    return None


def proposed_solution(session: Session, case: Case) -> str | None:
    """The last solution proposed to the customer, in the words mailed to them (nothing internal)."""
    payload = session.scalar(select(Outbox.payload).where(Outbox.case_id == case.id, Outbox.recipient == "customer",
                                                          Outbox.template == "solution").order_by(Outbox.id.desc()))
    if not payload:
        return None
    return str(payload.get("solution") or payload.get("solution_type") or "") or None


def _matching(session: Session, number: str, contact: str) -> Case | None:
    """The case when the contact given is its customer's phone (6+ digits) or e-mail address (case-folded)."""
    case = session.scalars(select(Case).where(Case.number == number.strip().upper())).first()
    if case is None:
        return None
    given = (contact or "").strip()
    if "@" in given:
        known = (case.customer_email or "").strip().casefold()
        return case if known and known == given.casefold() else None
    digits = _digits(given)
    if len(digits) < 6 or _digits(case.customer_phone) != digits:
        return None
    return case


def survey_open(case: Case) -> bool:
    """The customer may rate the handling once per follow-up round (the survey mail links here)."""
    if case.status not in ("follow_up", "closed"):
        return False
    record = case.record or {}
    round_ = int(record.get("reopen_count") or 0)
    return not any(s.get("round") == round_ for s in record.get("customer_surveys") or [])


def own_survey(case: Case) -> dict[str, Any] | None:
    """The customer's own web rating of the current follow-up round ({score, comment, at}), or None."""
    record = case.record or {}
    round_ = int(record.get("reopen_count") or 0)
    return next((s for s in reversed(record.get("customer_surveys") or []) if s.get("round") == round_), None)


def record_survey(session: Session, number: str, phone: str, score: int, comment: str) -> bool:
    """Keep the customer's own rating (1-5, comment) on the case and its timeline; committed; False if not allowed."""
    case = _matching(session, number, phone)
    if case is None or not survey_open(case) or not 1 <= score <= 5:
        return False
    record = dict(case.record or {})
    entry = {"round": int(record.get("reopen_count") or 0), "score": score, "comment": comment.strip()[:2000],
             "at": now().isoformat()}
    record["customer_surveys"] = [*(record.get("customer_surveys") or []), entry]
    case.record = record
    flag_modified(case, "record")
    session.add(Event(instance_id=case.instance_id, case_id=case.id, at=now(), actor=PUBLIC_ACTOR,
                      kind="customer_survey", data={"score": score, "comment": entry["comment"]}))
    session.commit()
    return True
