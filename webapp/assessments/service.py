"""The assessment register (car-maker rules 4.3-4.4): a proposal becomes a row and an `assessment` process
instance; the process's service tasks move the row (accepted, rejected, carried out)."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.assessments.models import Assessment
from webapp.cases.models import Case
from webapp.errors import Invalid, NotFound

log = logging.getLogger(__name__)
PROCESS = "assessment"  # processes/assessment.bpmn: one instance per proposal
STATES = ("proposed", "accepted", "rejected", "carried_out")
PENDING = "assessments_to_start"  # session.info key: proposals of this transaction waiting for their instance


class Starter(Protocol):
    """The workflow's `start_instance` (its instance has an `id`)."""

    def __call__(self, session: Session, process_key: str, data: dict[str, Any], actor: str, case: Case | None,
                 main: bool = True) -> Any: ...
DECIDERS = ("integrated_management",)
EXECUTORS = ("finance",)
VIEWERS = ("service_supervisor", "technical_supervisor", "department_head", "general_manager",
           "integrated_management", "finance", "admin")


def on_records(session: Session, case: Case | None, records: list[tuple[str, dict[str, Any]]], actor: str,
               at: datetime) -> None:
    """Apply an engine outcome's assessment records (same transaction): a proposal becomes a row waiting for its
    workflow (`start_pending`), a decision or execution of the `assessment` process updates its row."""
    for kind, details in records:
        if kind == "assessment_proposed":
            row = Assessment(
                case_id=case.id if case else None, case_number=case.number if case else None,
                target=str(details.get("target") or "(not named)")[:200],
                target_type=str(details.get("target_type") or "department")[:20],
                rule=str(details.get("reason") or ""), state="proposed", proposed_at=at, proposed_by=actor)
            session.add(row)
            session.info.setdefault(PENDING, []).append(row)
        elif kind in ("assessment_decided", "assessment_carried_out"):
            _apply(session, details, actor, at)


def _apply(session: Session, details: dict[str, Any], actor: str, at: datetime) -> None:
    """The register row follows the `assessment_record` service task of its process."""
    row = get(session, int(details["assessment"]))
    row.state = str(details["state"])
    if row.state == "carried_out":
        row.execution_note, row.executed_by, row.executed_at = details.get("note") or None, actor, at
        return
    amount = details.get("amount")
    row.amount = Decimal(str(amount)).quantize(Decimal("0.01")) if amount not in (None, "") else None
    row.measure, row.decision_reason = details.get("measure") or None, details.get("reason") or None
    row.decided_by, row.decided_at = actor, at


def start_pending(session: Session, actor: str, start: Starter) -> None:
    """Start one `assessment` process instance per proposal recorded in this transaction (`start`: the
    workflow's start function, passed in by the caller so that this module does not import it)."""
    pending = session.info.pop(PENDING, [])
    for row in pending:
        session.flush()  # the row's id goes into the instance data
        case = session.get(Case, row.case_id) if row.case_id else None
        data = {"assessment_id": row.id, "case_number": row.case_number, "target": row.target,
                "target_type": row.target_type, "rule": row.rule}
        try:
            row.instance_id = start(session, PROCESS, data, actor, case, main=False).id
        except NotFound:  # the pack has no `assessment` process: the register action starts it once deployed
            log.warning("assessment %s has no workflow: process %r is not deployed", row.id, PROCESS)


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
            "rule": row.rule, "state": row.state, "instance_id": row.instance_id, "proposed_at": _iso(row.proposed_at),
            "decision_reason": row.decision_reason, "amount": str(row.amount) if row.amount is not None else None,
            "measure": row.measure, "decided_by": row.decided_by, "decided_at": _iso(row.decided_at),
            "execution_note": row.execution_note, "executed_by": row.executed_by,
            "executed_at": _iso(row.executed_at)}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
