"""Cases: register, list, show."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from sqlalchemy import or_, select

from webapp.accounts import visibility
from webapp.accounts.api import api_user, require
from webapp.api import bp
from webapp.api.shapes import case_json, event_json, task_json, timer_json
from webapp.cases import service as cases
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import Case, Instance, Timer
from webapp.tasks.worklist import decode_cursor, encode_cursor


@bp.post("/cases")
@require()
def register_case() -> Any:
    """Register a case (any staff member: first-contact duty R2)."""
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid("send the case as a JSON object", {"": "expected application/json"})
    case = cases.register(db.session, body, api_user().username)
    return _case_detail(case, with_history=False), 201


@bp.get("/cases")
@require()
def list_cases() -> Any:
    """Cases, newest first, filtered and keyset-paged."""
    stmt = visibility.only_readable(select(Case), api_user(), visibility.all_readers(current_app.config))
    for name in ("status", "grade", "kind", "category", "channel"):
        if request.args.get(name):
            stmt = stmt.where(getattr(Case, name) == request.args[name])
    if request.args.get("tier"):
        stmt = stmt.where(Case.tier == request.args.get("tier", type=int))
    if request.args.get("q"):
        q = f"%{request.args['q']}%"
        stmt = stmt.where(or_(Case.number.ilike(q), Case.customer_name.ilike(q), Case.customer_phone.ilike(q),
                              Case.description.ilike(q)))
    if request.args.get("cursor"):
        _, _, last_id = decode_cursor(request.args["cursor"])
        stmt = stmt.where(Case.id < last_id)
    limit = max(1, min(request.args.get("limit", 50, type=int) or 50, 200))
    rows = list(db.session.scalars(stmt.order_by(Case.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [case_json(c) for c in rows],
            "next_cursor": encode_cursor(0, None, rows[-1].id) if more else None}


@bp.get("/cases/<number>")
@require()
def show_case(number: str) -> Any:
    """One case with its history, open tasks and linked cases."""
    case = visibility.readable_case(db.session, number, api_user(), visibility.all_readers(current_app.config))
    return _case_detail(case, with_history=True)


def _case_detail(case: Case, with_history: bool) -> dict[str, Any]:
    body = case_json(case)
    body["open_tasks"] = [task_json(t) for t in cases.open_tasks(db.session, case)]
    body["linked_cases"] = [c.number for c in cases.linked(db.session, case)]
    instance = db.session.get(Instance, case.instance_id) if case.instance_id else None
    body["instance_status"] = instance.status if instance else None
    body["deadlines"] = [timer_json(t) for t in db.session.scalars(
        select(Timer).where(Timer.instance_id == case.instance_id, Timer.state == "waiting").order_by(Timer.due_at))]
    if with_history:
        body["history"] = [event_json(e) for e in cases.history(db.session, case)]
    return body
