"""`/api/v1/lessons`: search the lessons register; the owner marks an improvement done."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from webapp.accounts.api import api_user, require
from webapp.api.problems import error_response
from webapp.errors import ServiceError
from webapp.extensions import db
from webapp.lessons import service

bp = Blueprint("lessons_api", __name__, url_prefix="/api/v1/lessons")


@bp.get("")
@require()
def index() -> Any:
    """Lessons matching `q`, `category`, `state` (open/done), newest first."""
    args = request.args
    try:
        rows = service.search(db.session, args.get("q", "")[:200], args.get("category", ""), args.get("state", ""))
    except ServiceError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.fields)
    return {"count": len(rows), "lessons": [service.as_dict(r) for r in rows]}


@bp.post("/<int:lesson_id>/done")
@require()
def done(lesson_id: int) -> Any:
    """The owner (or an admin) marks the improvement done."""
    try:
        return service.as_dict(service.mark_done(db.session, lesson_id, api_user()))
    except ServiceError as exc:
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, exc.fields)
