"""Instances (admin): list by status, show one with error detail, open tasks and timers."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.accounts.api import require
from webapp.admin.instances import instance_by_id, instances_page, open_tasks_of
from webapp.api import bp
from webapp.api.shapes import instance_json, task_json, timer_json
from webapp.deadlines.service import waiting_timers
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.paging import id_cursor, id_from_cursor, page_size


@bp.get("/instances")
@require("admin")
def list_instances() -> Any:
    """Instances, newest first, optionally of one status."""
    a = request.args
    before = id_from_cursor(a.get("cursor"))
    limit = page_size(a.get("limit", type=int))
    rows, next_id = instances_page(db.session, a.get("status") or None, a.get("process") or None, before, limit)
    return {"items": [instance_json(i) for i in rows],
            "next_cursor": id_cursor(next_id)}


@bp.get("/instances/<int:instance_id>")
@require("admin")
def show_instance(instance_id: int) -> Any:
    """One instance: status, version, error detail, open tasks, waiting timers."""
    instance = instance_by_id(db.session, instance_id)
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    body = instance_json(instance)
    body["open_tasks"] = [task_json(t) for t in open_tasks_of(db.session, instance.id)]
    body["timers"] = [timer_json(t) for t in waiting_timers(db.session, instance.id)]
    return body
