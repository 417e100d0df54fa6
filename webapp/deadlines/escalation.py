"""Escalation that acts (domain §4, §8b): a missed deadline moves the open task to the next tier's queue as the
deployed tier table says, and G2-d re-grades the moment the month passes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.deadlines import tiers
from webapp.models import Case, Event, HumanTask, Instance, Outbox

STAFF_CHANNELS = ("in_app", "email")


def on_process_miss(session: Session, instance: Instance, case: Case | None, clock_name: str, told: list[str],
                    at: datetime) -> None:
    """The diagram's timer recorded a miss (`deadline_escalated`): G2-d re-grades; the work moves up a tier."""
    regraded = clock_name == "G2-d" and regrade_month_open(session, instance, case, at)
    escalate_tasks(session, instance.id, clock_name, case, at, told)
    if regraded and case is not None:
        row = tiers.decide(session, "G2", 0, bool((case.facts or {}).get("needs_other_departments")))
        if row is not None and row.tier > (case.tier or 1):
            case.tier = row.tier
            case.record = {**(case.record or {}), "tier": row.tier, "handler_group": row.group}


def breach_recipients(session: Session, case: Case | None) -> list[str]:
    """The group above the case's tier as the deployed tier table names it, and the service supervisor."""
    current, up = tiers.escalation(session, case)
    above = (current.above if current else None) or (up.group if up else None)
    if above is None:  # no grade yet: the table cannot say; the first tier's supervisors
        tier = (case.tier if case is not None and case.tier else 1) or 1
        above = f"tier_{tier + 1}_handler" if tier < 3 else "general_manager"
    return [f"group:{above}", "group:service_supervisor"]


GRADE_RANK = {"G1": 1, "G2": 2, "G3": 3, "G4": 4}


def regrade_month_open(session: Session, instance: Instance, case: Case | None, at: datetime) -> bool:
    """G2-d the moment the month passes (domain §3: open more than one month -> Level 2 at least), not at the next
    step: a lower grade becomes G2 on the case, recorded as `graded` with rule G2-d (the handling's next re-grade
    by the grade table agrees, days open >= 30)."""
    if case is None or GRADE_RANK.get(case.grade or "G4", 4) <= 2:
        return False
    previous = case.grade
    case.grade = "G2"
    case.record = {**(case.record or {}), "grade": "G2", "grade_reason": "G2-d", "previous_grade": previous}
    session.add(Event(instance_id=instance.id, case_id=case.id, at=at, actor="worker", kind="graded",
                      data={"grade": "G2", "rule": "G2-d", "previous": previous}))
    for task in session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")):
        task.grade = "G2"  # worklists sort and filter by it
    return True


def escalate_tasks(session: Session, instance_id: int | None, clock_name: str, case: Case | None, at: datetime,
                   told: list[str]) -> list[str]:
    """Move the open handling tasks of a missed clock to the next tier's queue (tier table); notify both sides.

    Tasks that run on the clock move; without such a task, the case's tasks in its handler group move. At the top
    tier nothing moves (the breach notice goes to the group above). Each move is recorded on the timeline; the
    previous holder and the new group get a `deadline_missed` notice unless they are in `told` already.
    """
    _, up = tiers.escalation(session, case)
    if case is None or up is None or instance_id is None:
        return []
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")))
    handler_group = (case.record or {}).get("handler_group")
    moving = [t for t in tasks if t.clock == clock_name] or [t for t in tasks if t.group_key == handler_group]
    moving = [t for t in moving if t.group_key != up.group]
    notify: list[str] = []
    for task in moving:
        before = f"user:{task.assignee}" if task.assignee else f"group:{task.group_key}"
        session.add(Event(instance_id=task.instance_id, case_id=case.id, at=at, actor="worker",
                          kind="task_escalated", task_id=task.task_id, task_name=task.title,
                          data={"clock": clock_name, "from": task.group_key, "to": up.group, "tier": up.tier,
                                "assignee": task.assignee}))
        task.group_key = task.escalated_group = up.group
        task.assignee = None
        task.grade, task.tier = case.grade, up.tier
        notify += [r for r in (before, f"group:{up.group}") if r not in notify and r not in told]
    payload = {"clock": clock_name, "case_number": case.number, "customer_name": case.customer_name,
               "moved_to": up.group, "tier": up.tier}
    for recipient in notify:
        for channel in STAFF_CHANNELS:
            session.add(Outbox(instance_id=instance_id, case_id=case.id, channel=channel, recipient=recipient,
                               template="deadline_missed", payload=payload, next_attempt_at=at,
                               idempotency_key=f"escalate:{instance_id}:{clock_name}:{at.isoformat()}:{channel}:"
                                               f"{recipient}"))
    return notify
