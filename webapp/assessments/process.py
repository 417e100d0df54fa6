"""The register's decide / carry-out actions complete the open task of the assessment's process for the user,
with the worklist's own checks (group membership, claims, the form): one way to move an assessment."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.accounts.models import User
from webapp.assessments.models import Assessment
from webapp.assessments.service import DECIDERS, EXECUTORS, PENDING, get, start_pending
from webapp.errors import Conflict, Forbidden, Invalid
from webapp.tasks import service as tasks
from webapp.tasks.models import HumanTask
from webapp.workflow.transitions import start_instance

DECIDE, CARRY_OUT = "decide", "carry_out"  # the user tasks of processes/assessment.bpmn


def open_task(session: Session, row: Assessment, spec_id: str | None = None) -> HumanTask | None:
    """The assessment's open worklist task (of one step, if given), or None."""
    if row.instance_id is None:
        return None
    query = select(HumanTask).where(HumanTask.instance_id == row.instance_id, HumanTask.state == "open")
    if spec_id:
        query = query.where(HumanTask.spec_id == spec_id)
    return session.scalars(query.order_by(HumanTask.id)).first()


def open_tasks(session: Session, rows: list[Assessment]) -> dict[int, HumanTask]:
    """The open task of each listed assessment that has one, by assessment id."""
    by_instance = {r.instance_id: r.id for r in rows if r.instance_id is not None}
    if not by_instance:
        return {}
    found = session.scalars(select(HumanTask).where(HumanTask.instance_id.in_(by_instance),
                                                    HumanTask.state == "open"))
    return {by_instance[t.instance_id]: t for t in found}


def decide(session: Session, assessment_id: int, data: dict[str, Any], user: User) -> Assessment:
    """Complete the decision task for the user: `decision` accept (`amount` or `measure`) or reject (`reason`)."""
    if not user.has_role(*DECIDERS):
        raise Forbidden("only the integrated management department decides assessments")
    row = get(session, assessment_id)
    task = open_task(session, row, DECIDE) or _start_legacy(session, row, user)
    if task is None:
        raise Conflict(f"assessment {row.id} is already {row.state}" if row.state != "proposed"
                       else f"assessment {row.id} has no decision task (is the process 'assessment' deployed?)")
    form: dict[str, Any] = {"assessment_decision": str(data.get("decision") or "")}
    if data.get("amount") not in (None, ""):
        form["assessment_amount"] = _number(data["amount"])
    for key in ("measure", "reason"):
        if str(data.get(key) or "").strip():
            form[f"assessment_{key}"] = str(data[key]).strip()
    _complete(session, task, form, user)
    return get(session, assessment_id)


def execute(session: Session, assessment_id: int, data: dict[str, Any], user: User) -> Assessment:
    """Complete finance's carry-out task for the user (`note` optional)."""
    if not user.has_role(*EXECUTORS):
        raise Forbidden("only finance records assessments as carried out")
    row = get(session, assessment_id)
    task = open_task(session, row, CARRY_OUT)
    if task is None:
        raise Conflict(f"assessment {row.id} is {row.state}; only an accepted one can be carried out")
    form: dict[str, Any] = {"assessment_executed": True}
    if str(data.get("note") or "").strip():
        form["assessment_note"] = str(data["note"]).strip()
    _complete(session, task, form, user)
    return get(session, assessment_id)


def _start_legacy(session: Session, row: Assessment, user: User) -> HumanTask | None:
    """A proposal recorded before assessments were a workflow gets its instance now (then its decision task)."""
    if row.state != "proposed" or row.instance_id is not None:
        return None
    session.info.setdefault(PENDING, []).append(row)
    start_pending(session, user.username, start_instance)
    session.flush()
    return open_task(session, row, DECIDE)


def _number(value: Any) -> float:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise Invalid("amount must be a number", {"amount": "not a number"})
    if amount < 0 or amount >= Decimal("1e10"):  # 1e999 is finite but cannot be quantized
        raise Invalid("amount must be between 0 and 9999999999.99", {"amount": "out of range"})
    return float(amount.quantize(Decimal("0.01")))


def _complete(session: Session, task: HumanTask, form: dict[str, Any], user: User) -> None:
    """Complete the task as the worklist does (commits); form errors name the register's fields."""
    try:
        tasks.complete(session, task.id, form, user)
    except Invalid as exc:
        fields = {k.removeprefix("assessment_") or "decision": v for k, v in (exc.fields or {}).items()}
        raise Invalid(exc.message, fields) from None
