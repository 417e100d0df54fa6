"""Assessment rules (car-maker rules 4.3-4.4): a proposal becomes a row; integrated management accepts it
(with an amount or a measure) or rejects it (with a reason); finance records an accepted one as carried out."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.accounts.models import User
from webapp.assessments.models import Assessment
from webapp.cases.models import Case
from webapp.engine.clock import now
from webapp.errors import Conflict, Forbidden, Invalid, NotFound
from webapp.outbox.models import Outbox
from webapp.workflow.models import Event
from webapp.workflow.rows import event_row

STATES = ("proposed", "accepted", "rejected", "carried_out")
DECIDERS = ("integrated_management",)
EXECUTORS = ("finance",)
VIEWERS = ("service_supervisor", "technical_supervisor", "department_head", "general_manager",
           "integrated_management", "finance", "admin")


def on_records(session: Session, case: Case | None, records: list[tuple[str, dict[str, Any]]], actor: str,
               at: datetime) -> None:
    """Turn every `assessment_proposed` record of an engine outcome into an assessment row (same transaction)."""
    for kind, details in records:
        if kind != "assessment_proposed":
            continue
        row = Assessment(
            case_id=case.id if case else None, case_number=case.number if case else None,
            target=str(details.get("target") or "(not named)")[:200],
            target_type=str(details.get("target_type") or "department")[:20],
            rule=str(details.get("reason") or ""), state="proposed", proposed_at=at, proposed_by=actor)
        session.add(row)
        session.flush()  # the id names the notice
        _notify(session, row, case, DECIDERS[0], "assessment_to_decide", at)


def _notify(session: Session, row: Assessment, case: Case | None, group: str, template: str,
            at: datetime) -> None:
    """An in-app notice to the group whose turn it is (their task on the assessment register)."""
    session.add(Outbox(instance_id=case.instance_id if case else None, case_id=row.case_id, channel="in_app",
                       recipient=f"group:{group}", template=template,
                       payload={"case_number": row.case_number, "assessment": row.id, "target": row.target},
                       idempotency_key=f"assessment:{row.id}:{template}", next_attempt_at=at, created_at=at))


def register(session: Session, state: str | None = None, limit: int = 500) -> list[Assessment]:
    """Every assessment, newest first, optionally of one state."""
    if state and state not in STATES:
        raise Invalid(f"state must be one of {', '.join(STATES)}", {"state": "unknown state"})
    query = select(Assessment).order_by(Assessment.id.desc()).limit(limit)
    if state:
        query = query.where(Assessment.state == state)
    return list(session.scalars(query))


def get(session: Session, assessment_id: int) -> Assessment:
    """One assessment or NotFound."""
    row = session.get(Assessment, assessment_id)
    if row is None:
        raise NotFound(f"assessment {assessment_id} not found")
    return row


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
        if not amount.is_finite():  # NaN: quantize keeps it, and comparing it below would raise
            raise InvalidOperation
    except InvalidOperation:
        raise Invalid("amount must be a number", {"amount": "not a number"}) from None
    if amount < 0 or amount >= Decimal("1e10"):
        raise Invalid("amount must be between 0 and 9999999999.99", {"amount": "out of range"})
    return amount


def decide(session: Session, assessment_id: int, data: dict[str, Any], user: User) -> Assessment:
    """Integrated management accepts (amount or measure) or rejects (reason) a proposed assessment; commits."""
    if not user.has_role(*DECIDERS):
        raise Forbidden("only the integrated management department decides assessments")
    row = get(session, assessment_id)
    if row.state != "proposed":
        raise Conflict(f"assessment {row.id} is already {row.state}")
    decision = str(data.get("decision") or "")
    reason = str(data.get("reason") or "").strip()
    amount, measure = _amount(data.get("amount")), str(data.get("measure") or "").strip()
    if decision not in ("accept", "reject"):
        raise Invalid("decision must be 'accept' or 'reject'", {"decision": "choose accept or reject"})
    if decision == "reject" and not reason:
        raise Invalid("a rejection needs a reason", {"reason": "say why the proposal is rejected"})
    if decision == "accept" and amount is None and not measure:
        raise Invalid("an accepted assessment needs an amount or a measure",
                      {"amount": "give an amount or a measure", "measure": "give an amount or a measure"})
    row.state = "accepted" if decision == "accept" else "rejected"
    row.decision_reason, row.amount, row.measure = reason or None, amount, measure or None
    at = now()
    row.decided_by, row.decided_at = user.username, at
    if row.state == "accepted":
        _notify(session, row, session.get(Case, row.case_id) if row.case_id else None, EXECUTORS[0],
                "assessment_to_carry_out", at)
    _event(session, row, user.username, "assessment_decided",
           {"decision": decision, "amount": str(amount) if amount is not None else None, "measure": measure,
            "reason": reason})
    session.commit()
    return row


def execute(session: Session, assessment_id: int, data: dict[str, Any], user: User) -> Assessment:
    """Finance records an accepted assessment as carried out (with an optional note); commits."""
    if not user.has_role(*EXECUTORS):
        raise Forbidden("only finance records assessments as carried out")
    row = get(session, assessment_id)
    if row.state != "accepted":
        raise Conflict(f"assessment {row.id} is {row.state}; only an accepted one can be carried out")
    row.state, row.execution_note = "carried_out", str(data.get("note") or "").strip() or None
    row.executed_by, row.executed_at = user.username, now()
    _event(session, row, user.username, "assessment_carried_out", {"note": row.execution_note})
    session.commit()
    return row


def _event(session: Session, row: Assessment, actor: str, kind: str, data: dict[str, Any]) -> None:
    case = session.get(Case, row.case_id) if row.case_id else None
    session.add(Event(**event_row(None, case, actor, kind, {"assessment": row.id, "target": row.target, **data})))


def count_by_target(session: Session, start: datetime, end: datetime,
                    case_ids: Any = None) -> list[dict[str, Any]]:
    """Assessments proposed in [start, end) per department or service point, with how many were carried out."""
    done = func.sum(sql_case((Assessment.state == "carried_out", 1), else_=0))
    query = (select(Assessment.target, Assessment.target_type, func.count(), done)
             .where(Assessment.proposed_at >= start, Assessment.proposed_at < end)
             .group_by(Assessment.target, Assessment.target_type).order_by(func.count().desc(), Assessment.target))
    if case_ids is not None:
        query = query.where(Assessment.case_id.in_(case_ids))
    return [{"target": t, "target_type": tt, "count": int(n), "carried_out": int(d or 0)}
            for t, tt, n, d in session.execute(query)]


def as_dict(row: Assessment) -> dict[str, Any]:
    """The JSON shape of one assessment."""
    return {"id": row.id, "case_number": row.case_number, "target": row.target, "target_type": row.target_type,
            "rule": row.rule, "state": row.state, "proposed_at": _iso(row.proposed_at),
            "decision_reason": row.decision_reason, "amount": str(row.amount) if row.amount is not None else None,
            "measure": row.measure, "decided_by": row.decided_by, "decided_at": _iso(row.decided_at),
            "execution_note": row.execution_note, "executed_by": row.executed_by,
            "executed_at": _iso(row.executed_at)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
