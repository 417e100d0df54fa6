"""Cases: register, list, show."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from webapp.accounts import visibility
from webapp.accounts.api import api_user, reads_only, require
from webapp.api import bp
from webapp.api.shapes import case_json, event_json, task_json, timer_json
from webapp.cases import search as case_search
from webapp.cases import service as cases
from webapp.deadlines.service import waiting_timers
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import Case
from webapp.paging import id_cursor, id_from_cursor, page_size


@bp.post("/cases")
@require()
def register_case() -> Any:
    """Register a case (any staff member: first-contact duty R2)."""
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid("send the case as a JSON object", {"": "expected application/json"})
    case = cases.register(db.session, body, api_user().username)
    reads_only()  # committed: the answer's reads need no transaction
    return _case_detail(case, with_history=False), 201


@bp.get("/cases")
@require()
def list_cases() -> Any:
    """Cases, newest first, filtered and keyset-paged (the same search as the web's case list)."""
    a = request.args
    query = case_search.CaseQuery(text=a.get("q", ""), status=a.get("status", ""), grade=a.get("grade", ""),
                                  kind=a.get("kind", ""), category=a.get("category", ""),
                                  channel=a.get("channel", ""), tier=a.get("tier", type=int))
    before = id_from_cursor(a.get("cursor"))
    limit = page_size(a.get("limit", type=int))
    rows, next_id = case_search.search(db.session, query, before, limit, viewer=api_user(),
                                       readers=visibility.all_readers(current_app.config))
    return {"items": [case_json(c) for c in rows],
            "next_cursor": id_cursor(next_id)}


@bp.get("/cases/<number>")
@require(read_only=True)
def show_case(number: str) -> Any:
    """One case with its history, open tasks and linked cases."""
    case = visibility.readable_case(db.session, number, api_user(), visibility.all_readers(current_app.config))
    return _case_detail(case, with_history=True)


def _case_detail(case: Case, with_history: bool) -> dict[str, Any]:
    body = case_json(case)
    body["open_tasks"] = [task_json(t) for t in cases.open_tasks(db.session, case)]
    body["linked_cases"] = [c.number for c in cases.linked(db.session, case)]
    body["instance_status"] = cases.instance_status(db.session, case)
    body["deadlines"] = [timer_json(t) for t in waiting_timers(db.session, case.instance_id)]
    if with_history:
        body["history"] = [event_json(e) for e in cases.history(db.session, case)]
    return body
