"""`record_*` handlers: write handling results to the case record and its timeline."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from handlers.notify import case_payload, recipients_of, tell_customer
from handlers.registry import HandlerContext, handler

STATUSES = ("open", "handling", "executing", "follow_up", "reopened", "closed", "closed_malicious")
RESPONSIBILITIES = ("company", "customer", "shared", "third_party")


@handler("record_intake")
def record_intake(ctx: HandlerContext, customer_notice: str | None = None,
                  promise: dict[str, str] | None = None, promise_clock: str | None = None) -> dict[str, Any]:
    """Record the first contact (R2) and when the case was opened; acknowledge to the customer (T5) if named.

    `promise_clock` names the clock whose due time the acknowledgement states once that clock runs (the T5 first
    response of a grievance): the mail then gives the instant staff see; `promise` is the time otherwise."""
    opened = ctx.data.get("opened_at") or ctx.now.isoformat()
    ctx.data["opened_at"] = opened
    first = ctx.data.get("registered_by") or ctx.actor
    ctx.update_case(status="open", first_contact=first)
    ctx.record("first_contact", registered_by=first, channel=ctx.data.get("channel"),
               case_kind=ctx.data.get("kind"))
    promised = promise_of(ctx, promise)
    told = {**({"reply_by": promised} if promised else {}),
            **({"reply_by_clock": promise_clock} if promise_clock else {})}
    tell_customer(ctx, customer_notice, told or None)
    return {"opened_at": opened, "first_contact": first, "reply_promised_by": promised}


DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


def promise_of(ctx: HandlerContext, promise: dict[str, str] | None) -> str | None:
    """The time promised to the customer at registration: now + the kind's duration (or the '*' one)."""
    duration = (promise or {}).get(ctx.data.get("kind") or "*") or (promise or {}).get("*")
    if not duration:
        return None
    found = DURATION.match(duration)
    if not found or not any(found.groups()):
        raise ValueError(f"promise {duration!r} must be an ISO-8601 duration in days, hours or minutes")
    days, hours, minutes = (int(g or 0) for g in found.groups())
    return (ctx.now + timedelta(days=days, hours=hours, minutes=minutes)).isoformat(timespec="minutes")


@handler("record_kind")
def record_kind(ctx: HandlerContext, kind: str) -> str:
    """Record the kind of the contact (inquiry, rescue, new_failure, grievance, external) and, as `k_rule`, the
    deadline rule the category stores in master data (K1, K2 or none: resolution_deadline.dmn decides on it)."""
    ctx.update_case(kind=kind)
    category = ctx.data.get("category")
    rule = ctx.history.deadline_rule(category) if ctx.history is not None and category else None
    ctx.data["k_rule"] = rule or "none"
    ctx.record("classified", case_kind=kind, category=ctx.data.get("category"), subject=ctx.data.get("subject"))
    if ctx.data.get("category"):
        ctx.update_case(category=ctx.data["category"], subject=ctx.data.get("subject"))
    return kind


@handler("record_status")
def record_status(ctx: HandlerContext, status: str, note: str | None = None,
                  customer_notice: str | None = None) -> str:
    """Set the case status (open, handling, executing, follow_up, reopened ...); optionally mail the customer."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
    ctx.update_case(status=status)
    ctx.record("case_status", status=status, note=note)
    tell_customer(ctx, customer_notice)
    return status


@handler("record_first_response")
def record_first_response(ctx: HandlerContext, promised_reply_at: str | None, urgency: str | None) -> dict[str, Any]:
    """Record the first response (T5): the reply time promised to the customer and the urgency judged."""
    ctx.update_case(first_response_at=ctx.now.isoformat(), promised_reply_at=promised_reply_at, urgency=urgency)
    ctx.record("first_response", promised_reply_at=promised_reply_at, urgency=urgency)
    return {"at": ctx.now.isoformat(), "promised_reply_at": promised_reply_at}


@handler("record_responsibility")
def record_responsibility(ctx: HandlerContext, responsibility: str, department: str | None,
                          person: str | None) -> str:
    """Record the internal judgement of responsibility (step 3)."""
    if responsibility not in RESPONSIBILITIES:
        raise ValueError(f"responsibility must be one of {RESPONSIBILITIES}, not {responsibility!r}")
    ctx.update_case(responsibility=responsibility, responsible_department=department, responsible_person=person)
    ctx.record("responsibility_judged", responsibility=responsibility, department=department, person=person)
    return responsibility


@handler("record_solution")
def record_solution(ctx: HandlerContext, solution_types: list[str], amount: float | None, executor: str | None,
                    deadline: str | None, approved_by: str | None = None,
                    customer_notice: str | None = None) -> dict[str, Any]:
    """Record the agreed solution (step 4): types, amount, executor, deadline, approver; optionally mail it."""
    solution = {"types": list(solution_types or []), "compensation_amount": amount or 0, "executor": executor,
                "deadline": deadline, "approved_by": approved_by}
    ctx.update_case(solution=solution, status="handling")
    ctx.record("solution_agreed", **solution)
    tell_customer(ctx, customer_notice, {"solution": ctx.data.get("solution_description"),
                                         "solution_type": ", ".join(str(t) for t in solution_types or []),
                                         "deadline": deadline})
    return solution


@handler("record_rejection")
def record_rejection(ctx: HandlerContext, reason: str | None) -> int:
    """Count a rejection of the proposed solution by the customer; return the running count."""
    count = int(ctx.data.get("rejections") or 0) + 1
    ctx.data["rejections"] = count
    ctx.update_case(rejections=count)
    ctx.record("solution_rejected", count=count, reason=reason)
    return count


@handler("record_satisfaction")
def record_satisfaction(ctx: HandlerContext, score: int, comment: str | None) -> dict[str, Any]:
    """Record one follow-up survey (1-5 and comment); every reopen gets its own survey."""
    score = int(score)
    if not 1 <= score <= 5:
        raise ValueError(f"satisfaction must be 1..5, not {score}")
    survey = {"score": score, "comment": comment, "at": ctx.now.isoformat(), "round": ctx.data.get("reopen_count", 0)}
    surveys = [*ctx.data.get("surveys", []), survey]
    ctx.data["surveys"] = surveys
    ctx.update_case(satisfaction=score, surveys=surveys)
    ctx.record("survey", **survey)
    return survey


@handler("record_reopen")
def record_reopen(ctx: HandlerContext, reason: str | None) -> int:
    """Reopen a case after a dissatisfied follow-up: count it and clear the old survey answer."""
    count = int(ctx.data.get("reopen_count") or 0) + 1
    ctx.data["reopen_count"] = count
    for key in ("satisfaction", "satisfaction_comment", "reached"):
        ctx.data.pop(key, None)
    ctx.update_case(status="reopened", reopen_count=count)
    ctx.record("case_reopened", count=count, reason=reason)
    return count


@handler("record_closure")
def record_closure(ctx: HandlerContext, reason: str, note: str | None = None, by: str | None = None,
                   inform: Any = None, customer_notice: str | None = None,
                   solution: str | None = None) -> dict[str, Any]:
    """Close the case (resolved, on the spot ...), inform the first contact (R2), mail the customer the solution."""
    status = "closed_malicious" if reason == "malicious" else "closed"
    closure = {"reason": reason, "note": note, "by": by or ctx.actor, "at": ctx.now.isoformat()}
    ctx.update_case(status=status, closure=closure)
    ctx.record("case_closed", **closure)
    for recipient in recipients_of(inform):
        ctx.send("in_app", recipient, "case_closed", case_payload(ctx.data, {"reason": reason, "note": note}))
    tell_customer(ctx, customer_notice, {"solution": solution} if solution else None)
    return closure
