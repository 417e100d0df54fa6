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
