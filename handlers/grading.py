"""Grading handlers: history figures before the grade table (G2-b, G2-d, G3-a), links, grade and tier records."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers.notify import case_payload
from handlers.registry import HandlerContext, handler

GRADE_ORDER = {"G4": 4, "G3": 3, "G2": 2, "G1": 1}


def customer_key(customer: dict[str, Any] | None) -> str:
    """How complainants are told apart: phone, else e-mail, else the case-folded name (as the store does)."""
    customer = customer or {}
    return ((customer.get("phone") or "").strip() or (customer.get("email") or "").strip().casefold()
            or (customer.get("name") or "").strip().casefold())


def days_open(data: dict[str, Any], now: datetime) -> int:
    """Whole days since the case was opened (0 if the opening time is unknown)."""
    opened = data.get("opened_at")
    if not opened:
        return 0
    start = datetime.fromisoformat(opened)
    if start.tzinfo is None and now.tzinfo is not None:
        start = start.replace(tzinfo=now.tzinfo)
    return max(0, (now - start).days)


@handler("grade_history")
def grade_history(ctx: HandlerContext, window_days: int = 30) -> dict[str, Any]:
    """Write the history figures the grade table reads: complainants_30d, related_cases, repeats, days_open."""
    category, subject = ctx.data.get("category") or "", ctx.data.get("subject") or ""
    related: list[str] = []
    repeats = 0
    if ctx.history is not None and category and subject:
        since = ctx.now - timedelta(days=int(window_days))
        related = list(ctx.history.distinct_complainants(category, subject, since, ctx.case_number))
        key = customer_key(ctx.data.get("customer"))
        repeats = int(ctx.history.repeats_after_closure(key, category, subject, ctx.case_number)) if key else 0
    figures = {
        "complainants_30d": len(related) + 1,  # the other complainants plus this one
        "related_cases": related,
        "repeats_after_closure": repeats,
        "days_open": days_open(ctx.data, ctx.now),
    }
    ctx.data.update(figures)
    return figures


@handler("link_related")
def link_related(ctx: HandlerContext, cases: list[str] | None) -> int:
    """Link this case with the other complainants' cases about the same issue; return how many."""
    numbers = [n for n in (cases or []) if n and n != ctx.case_number]
    if numbers:
        ctx.link_cases(numbers)
        ctx.record("cases_linked", cases=numbers, reason="same category and subject, other complainants")
    return len(numbers)


@handler("record_grade")
def record_grade(ctx: HandlerContext, grade: str, reason: str) -> dict[str, Any]:
    """Set the case grade from the decision table; record a timeline event when it changes."""
    if grade not in GRADE_ORDER:
        raise ValueError(f"grade must be one of {sorted(GRADE_ORDER)}, not {grade!r}")
    previous = ctx.data.get("grade")
    ctx.data.update(previous_grade=previous, grade=grade, grade_reason=reason)
    ctx.update_case(grade=grade, grade_reason=reason)
    if grade != previous:
        ctx.record("graded", grade=grade, rule=reason, previous=previous)
    return {"grade": grade, "rule": reason, "previous": previous}


@handler("record_tier")
def record_tier(ctx: HandlerContext, tier: int, group: str, escalate_to: list[str] | None = None) -> dict[str, Any]:
    """Set the handling tier and group; when the tier rises, notify the new tier's group and escalate_to."""
    tier = int(tier)
    if tier not in (1, 2, 3):
        raise ValueError(f"tier must be 1, 2 or 3, not {tier!r}")
    previous = ctx.data.get("tier")
    ctx.data.update(previous_tier=previous, tier=tier, handler_group=group)
    ctx.update_case(tier=tier, handler_group=group)
    if previous is None:
        ctx.record("routed", tier=tier, group=group)
    elif tier > int(previous):
        ctx.record("escalated", tier=tier, previous=previous, group=group, escalations=ctx.data.get("escalations"))
        payload = case_payload(ctx.data, {"previous_tier": previous})
        for recipient in [f"group:{group}", *(escalate_to or [])]:
            ctx.send("in_app", recipient, "case_escalated", payload)
    return {"tier": tier, "group": group, "previous": previous}
