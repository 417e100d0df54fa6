"""`GET /api/v1/reports/kpis` (the report's figures as JSON) and `GET /api/v1/reports/cases` (a drill-down)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from webapp.accounts.api import api_user, require
from webapp.api.problems import error_response
from webapp.errors import ServiceError
from webapp.extensions import db
from webapp.reports import filters, service
from webapp.reports.readers import MANAGERS

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")


def _tz() -> str:
    return str(request.args.get("tz") or api_user().timezone or current_app.config.get("DEFAULT_TIMEZONE") or "UTC")


@bp.get("/kpis")
@require(*MANAGERS)
def kpis() -> Any:
    """Every figure for `from`/`to` (or `month`) and the filters kind, category, grade, channel, tier,
    department."""
    try:
        period, f = filters.parse(request.args, _tz())
        return service.kpis(db.session, period, f)
    except ServiceError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.fields)


@bp.get("/cases")
@require(*MANAGERS)
def cases() -> Any:
    """The cases behind one figure (`metric`, e.g. `closed`, `clock:T4-appointment:missed`, `grade:G1`)."""
    try:
        period, f = filters.parse(request.args, _tz())
        metric = request.args.get("metric", "all")
        rows = service.case_list(db.session, metric, period, f, limit=1000)
    except ServiceError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.fields)
    return {"metric": metric, "count": len(rows), "cases": service.case_rows(rows)}
