"""`/api/v1/assessments`: the register as JSON, the decision (integrated management) and execution (finance)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from webapp.accounts.api import api_user, require
from webapp.api.problems import error_response
from webapp.assessments import process, service
from webapp.errors import ServiceError
from webapp.extensions import db

bp = Blueprint("assessments_api", __name__, url_prefix="/api/v1/assessments")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("")
@require(*service.VIEWERS)
def index() -> Any:
    """Every assessment (optionally `state=`), newest first."""
    try:
        rows = service.register(db.session, request.args.get("state") or None)
    except ServiceError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.fields)
    return {"count": len(rows), "assessments": [service.as_dict(r) for r in rows]}


@bp.post("/<int:assessment_id>/decision")
@require(*service.DECIDERS)
def decide(assessment_id: int) -> Any:
    """Accept (`amount` or `measure`) or reject (`reason`): `{"decision": "accept"|"reject", ...}`."""
    try:
        return service.as_dict(process.decide(db.session, assessment_id, _body(), api_user()))
    except ServiceError as exc:
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, exc.fields)


@bp.post("/<int:assessment_id>/execution")
@require(*service.EXECUTORS)
def execute(assessment_id: int) -> Any:
    """Finance records an accepted assessment as carried out (`note` optional)."""
    try:
        return service.as_dict(process.execute(db.session, assessment_id, _body(), api_user()))
    except ServiceError as exc:
        db.session.rollback()
        return error_response(exc.status, exc.code, exc.message, exc.fields)
