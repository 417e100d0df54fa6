"""JSON shapes of cases, tasks, events and instances."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from webapp.engine.clock import iso
from webapp.models import Case, Event, HumanTask, Instance, Timer


def task_json(task: HumanTask | Row[Any]) -> dict[str, Any]:
    """A human task: the ORM row, or a plain row of its SHOWN_COLUMNS (webapp.tasks.models)."""
    return {
        "id": task.id, "case_number": task.case_number, "title": task.title, "task_spec": task.spec_id,
        "process": task.process_key, "group": task.group_key, "assignee": task.assignee, "form": task.form_key,
        "state": task.state, "customer": task.customer_name, "kind": task.kind, "grade": task.grade,
        "tier": task.tier, "category": task.category, "created_at": iso(task.created_at),
        "due_at": iso(task.due_at), "completed_by": task.completed_by, "completed_at": iso(task.completed_at),
        "instance_id": task.instance_id,
    }


def case_json(case: Case) -> dict[str, Any]:
    """A case record."""
    return {
        "id": case.id, "number": case.number, "channel": case.channel, "kind": case.kind,
        "category": case.category, "subject": case.subject, "grade": case.grade, "tier": case.tier,
        "status": case.status, "customer": {"name": case.customer_name, "phone": case.customer_phone,
                                            "email": case.customer_email, "address": case.customer_address},
        "description": case.description, "demand": case.demand, "facts": case.facts, "record": case.record,
        "registered_by": case.registered_by, "created_at": iso(case.created_at), "closed_at": iso(case.closed_at),
        "instance_id": case.instance_id,
    }


def event_json(event: Event) -> dict[str, Any]:
    """A history event."""
    return {"id": event.id, "at": iso(event.at), "actor": event.actor, "kind": event.kind,
            "task_id": event.task_id, "task": event.task_name, "data": event.data}


def timer_json(timer: Timer) -> dict[str, Any]:
    """A timer row."""
    return {"id": timer.id, "name": timer.name, "element": timer.spec_id, "due_at": iso(timer.due_at),
            "state": timer.state}


def instance_json(instance: Instance) -> dict[str, Any]:
    """An instance row without its state blob."""
    return {
        "id": instance.id, "process": instance.process_key, "version": instance.definition.version,
        "status": instance.status, "lock_version": instance.lock_version, "error": instance.error,
        "pending_action": (instance.pending_action or {}).get("kind"), "created_at": iso(instance.created_at),
        "updated_at": iso(instance.updated_at),
    }
