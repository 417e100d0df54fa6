"""Tasks: worklists, one task with its form, and the claim/unclaim/assign/complete actions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import request
from sqlalchemy import Row

from webapp.accounts.api import api_user, reads_only, require
from webapp.api import bp
from webapp.api.shapes import instance_json, task_json
from webapp.errors import Forbidden, Invalid
from webapp.extensions import db
from webapp.models import HumanTask
from webapp.tasks import service as tasks
from webapp.tasks.worklist import TaskFilters, list_tasks


@bp.get("/tasks")
@require(read_only=True)
def list_open_tasks() -> Any:
    """Open tasks of a scope, by deadline, keyset-paged."""
    filters = TaskFilters(
        grade=request.args.get("grade"), kind=request.args.get("kind"), category=request.args.get("category"),
        process=request.args.get("process"), overdue=request.args.get("overdue") in ("1", "true", "yes"),
    )
    page = list_tasks(db.session, api_user(), request.args.get("scope", "mine"), filters,
                      request.args.get("cursor"), request.args.get("limit", 50, type=int) or 50, rows=True)
    return {"items": [task_json(t) for t in page.items], "next_cursor": page.next_cursor}


@bp.get("/tasks/<int:task_id>")
@require(read_only=True)
def show_task(task_id: int) -> Any:
    """One task with its JSON Schema form and current data."""
    task, instance, _case = tasks.get_task_to_show(db.session, task_id)  # _case: held, so form_values finds it
    if not tasks.can_see(api_user(), task):
        raise Forbidden("this task belongs to a group you are not in")
    body = task_json(task)
    body["form_schema"] = tasks.form_schema(instance, task) if instance else None
    body["data"] = tasks.form_values(db.session, instance, task) if instance and task.state == "open" else None
    return body


@bp.post("/tasks/<int:task_id>/claim")
@require()
def claim_task(task_id: int) -> Any:
    """Claim a task of my group."""
    return task_json(tasks.claim(db.session, task_id, api_user()))


@bp.post("/tasks/<int:task_id>/unclaim")
@require()
def unclaim_task(task_id: int) -> Any:
    """Give a task back to the group queue."""
    return task_json(tasks.unclaim(db.session, task_id, api_user()))


@bp.post("/tasks/<int:task_id>/assign")
@require()
def assign_task(task_id: int) -> Any:
    """Supervisors: assign a task to a named colleague."""
    body = request.get_json(silent=True) or {}
    if not isinstance(body.get("username"), str):
        raise Invalid("name the colleague", {"username": "required"})
    return task_json(tasks.assign(db.session, task_id, body["username"], api_user()))


@bp.post("/tasks/<int:task_id>/complete")
@require()
def complete_task(task_id: int) -> Any:
    """Complete a task with form data; answers with what happened next."""
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid("send the form data as a JSON object", {"": "expected application/json"})
    data = body.get("data", body) if isinstance(body, dict) else body
    task, instance = tasks.complete_with_instance(db.session, task_id, data, api_user())
    following = _open_after(task)
    result: dict[str, Any] = {"task": task_json(task), "instance": instance_json(instance)}
    result["next_tasks"] = [task_json(t) for t in following]
    if instance.status == "error":
        result["message"] = ("your input is kept; the case stopped on an error and the administrators can see it: "
                             + str((instance.error or {}).get("message", "")))
        return result, 202
    return result


def _open_after(task: HumanTask) -> Sequence[Row[Any]]:
    """The instance's open tasks after the completion committed: one autocommitted SELECT (see reads_only) of the
    columns the answer shows, as plain rows (no ORM objects: nothing changes them)."""
    reads_only()
    return tasks.next_task_rows(db.session, task.instance_id)
