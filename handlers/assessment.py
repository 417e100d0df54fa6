"""The `assessment` handler: propose an assessment (考核) of a department or service point at fault."""

from __future__ import annotations

from typing import Any

from handlers.notify import case_payload, recipients_of
from handlers.registry import HandlerContext, handler

TARGET_TYPES = ("department", "service_point")


@handler("assessment")
def assessment(ctx: HandlerContext, target: str, target_type: str, reason: str, executor: Any) -> dict[str, Any]:
    """Record an assessment proposal (customer service proposes, the executor group carries it out) and notify."""
    if target_type not in TARGET_TYPES:
        raise ValueError(f"target_type must be one of {TARGET_TYPES}, not {target_type!r}")
    proposal = {"target": target or "(not named)", "target_type": target_type, "reason": reason,
                "executor": recipients_of(executor), "proposed_at": ctx.now.isoformat()}
    proposals = [*ctx.data.get("assessments", []), proposal]
    ctx.data["assessments"] = proposals
    ctx.record("assessment_proposed", **proposal)
    ctx.update_case(assessments=len(proposals))
    for recipient in proposal["executor"]:
        ctx.send("in_app", recipient, "assessment_proposed", case_payload(ctx.data, proposal))
    return proposal


RECORDED_STATES = ("accepted", "rejected", "carried_out")


@handler("assessment_record")
def assessment_record(ctx: HandlerContext, assessment_id: Any, state: str) -> dict[str, Any]:
    """Record the decision or execution of an assessment (the register row follows the record)."""
    if state not in RECORDED_STATES:
        raise ValueError(f"state must be one of {RECORDED_STATES}, not {state!r}")
    amount = ctx.data.get("assessment_amount")
    details: dict[str, Any] = {"assessment": int(assessment_id), "state": state, "target": ctx.data.get("target")}
    if state == "carried_out":
        details["note"] = str(ctx.data.get("assessment_note") or "").strip()
    elif state == "accepted":
        details.update(amount=None if amount in (None, "") else str(amount),
                       measure=str(ctx.data.get("assessment_measure") or "").strip())
    else:
        details["reason"] = str(ctx.data.get("assessment_reason") or "").strip()
    ctx.record("assessment_carried_out" if state == "carried_out" else "assessment_decided", **details)
    return details
