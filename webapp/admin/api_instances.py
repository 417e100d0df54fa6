"""Instances (admin): list by status, show one with error detail, open tasks and timers."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select

from webapp.accounts.api import require
from webapp.api import bp
from webapp.api.shapes import instance_json, task_json, timer_json
from webapp.errors import Invalid, NotFound
from webapp.extensions import db
from webapp.models import HumanTask, Instance, Timer
from webapp.tasks.worklist import decode_cursor, encode_cursor
from webapp.workflow.models import STATUSES


@bp.get("/instances")
@require("admin")
def list_instances() -> Any:
    """Instances, newest first, optionally of one status."""
    stmt = select(Instance)
    status = request.args.get("status")
    if status:
        if status not in STATUSES:
            raise Invalid(f"unknown status '{status}'", {"status": "one of " + ", ".join(STATUSES)})
        stmt = stmt.where(Instance.status == status)
    if request.args.get("process"):
        stmt = stmt.where(Instance.process_key == request.args["process"])
    if request.args.get("cursor"):
        stmt = stmt.where(Instance.id < decode_cursor(request.args["cursor"])[2])
    limit = max(1, min(request.args.get("limit", 50, type=int) or 50, 200))
    rows = list(db.session.scalars(stmt.order_by(Instance.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [instance_json(i) for i in rows],
            "next_cursor": encode_cursor(0, None, rows[-1].id) if more else None}


@bp.get("/instances/<int:instance_id>")
@require("admin")
def show_instance(instance_id: int) -> Any:
    """One instance: status, version, error detail, open tasks, waiting timers."""
    instance = db.session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    body = instance_json(instance)
    body["open_tasks"] = [task_json(t) for t in db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == "open"))]
    body["timers"] = [timer_json(t) for t in db.session.scalars(
        select(Timer).where(Timer.instance_id == instance.id, Timer.state == "waiting"))]
    return body
