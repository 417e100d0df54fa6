"""Escalation that acts (domain §4, §8b): a missed deadline moves the open task to the next tier's queue as the
deployed tier table says, the case and its process data carry the new tier (later steps stay there), and G2-d
re-grades the moment the month passes as the deployed grade table says."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.grading import days_open
from webapp.deadlines import tiers
from webapp.deadlines.decision_tables import first_hit, table_text
from webapp.engine.repair import RepairEngine
from webapp.models import Case, Event, HumanTask, Instance, Outbox
from webapp.workflow.definitions import bundle_for

STAFF_CHANNELS = ("in_app", "email")
FINISHED = ("complete", "terminated")


def on_process_miss(session: Session, instance: Instance, case: Case | None, clock_name: str, told: list[str],
                    at: datetime) -> None:
    """The diagram's timer recorded a miss (`deadline_escalated`): G2-d re-grades; the work moves up a tier."""
    if clock_name == "G2-d":
        regrade_month_open(session, instance, case, at)
    escalate_tasks(session, instance.id, clock_name, case, at, told)


def carry(session: Session, instance_id: int, changes: dict[str, Any]) -> None:
    """Write process data into the waiting instance (every task it waits at), so that its later steps use it: the
    tier and handler group after an escalation, the grade after G2-d (the timer branch that saw the miss cannot
    change the data of the handling that goes on)."""
    instance = session.get(Instance, instance_id)
    if instance is None or not instance.state or instance.status in FINISHED:
        return
    instance.state = RepairEngine().set_data(bundle_for(instance.definition), instance.state, changes, [])


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
    step: the deployed grade table (grade_decision.dmn, its G2-d row and 'kept' rows) is asked with the process
    data and the days open now; a higher grade is written to the case, its open tasks and the process data and
    recorded as `graded` with the table's rule. Python only refuses to lower a grade."""
    if case is None or case.instance_id is None:
        return False
    data = {"channel": case.channel, "kind": case.kind, "complainants_30d": 0, "repeats_after_closure": 0,
            **_process_data(session, case.instance_id)}
    opened = case.created_at if case.created_at.tzinfo else case.created_at.replace(tzinfo=at.tzinfo)
    data.update(grade=case.grade, grade_reason=(case.record or {}).get("grade_reason"),
                days_open=days_open(data, at) if data.get("opened_at") else max(0, (at - opened).days),
                facts={**(case.facts or {}), **(data.get("facts") or {})})
    out = first_hit(table_text(session, "grade_decision.dmn"), data) or {}
    grade, rule = out.get("new_grade"), out.get("new_grade_reason")
    if not grade or GRADE_RANK.get(str(grade), 4) >= GRADE_RANK.get(case.grade or "G4", 4):
        return False
    previous = case.grade
    case.grade = str(grade)
    case.record = {**(case.record or {}), "grade": case.grade, "grade_reason": rule, "previous_grade": previous}
    session.add(Event(instance_id=instance.id, case_id=case.id, at=at, actor="worker", kind="graded",
                      data={"grade": case.grade, "rule": rule, "previous": previous}))
    for task in session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")):
        task.grade = case.grade  # worklists sort and filter by it
    carry(session, case.instance_id, {"grade": case.grade, "grade_reason": rule, "previous_grade": previous})
    return True


def _process_data(session: Session, instance_id: int) -> dict[str, Any]:
    instance = session.get(Instance, instance_id)
    if instance is None or not instance.state:
        return {}
    return RepairEngine().frontier_data(bundle_for(instance.definition), instance.state)


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
    _raise_tier(session, case, up)
    payload = {"clock": clock_name, "case_number": case.number, "customer_name": case.customer_name,
               "moved_to": up.group, "tier": up.tier}
    for recipient in notify:
        for channel in STAFF_CHANNELS:
            session.add(Outbox(instance_id=instance_id, case_id=case.id, channel=channel, recipient=recipient,
                               template="deadline_missed", payload=payload, next_attempt_at=at, created_at=at,
                               idempotency_key=f"escalate:{instance_id}:{clock_name}:{at.isoformat()}:{channel}:"
                                               f"{recipient}"))
    return notify


def _raise_tier(session: Session, case: Case, up: tiers.TierRow) -> None:
    """The case is at the new tier from now on: its row, its record and its process data (tier, handler group and
    the tier table's `escalations` input), so a later step or re-grade routes to the new tier, not back."""
    case.tier = up.tier
    case.record = {**(case.record or {}), "tier": up.tier, "handler_group": up.group}
    if case.instance_id is not None:
        carry(session, case.instance_id, {"tier": up.tier, "handler_group": up.group, "escalations": up.escalations})
