"""Bulk actions from the instance list: by checkbox or by filter, with a result per instance.

Without JavaScript the form runs every instance in one request and shows the results; with JavaScript
(static/admin/bulk.js) the page sends the ids in small chunks to the JSON endpoint and shows progress.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import jsonify, render_template, request

from webapp.accounts.web_access import role_required, staff
from webapp.admin import bulk as admin_bulk
from webapp.admin.instances import filters_from, matching_ids
from webapp.admin.web import bp, stuck_settings
from webapp.admin.web_instances import FILTER_KEYS
from webapp.errors import Invalid, ServiceError
from webapp.extensions import db
from webapp.security.limits import MAX_INT


def _filter_ids(source: Any, prefix: str = "", limit: int = admin_bulk.MAX_BULK) -> list[int]:
    args = {k: source.get(prefix + k) for k in FILTER_KEYS if source.get(prefix + k) not in (None, "")}
    return matching_ids(db.session, filters_from(args), stuck_settings(), limit=limit)


@bp.post("/bulk")
@role_required("admin")
def bulk() -> Any:
    """Run a bulk action on the checked instances (or on all matching the list's filter)."""
    form = request.form
    action, reason = form.get("action", ""), form.get("reason", "")
    report, error, status = None, None, 200
    try:
        if form.get("scope") == "filter":
            ids = _filter_ids(form, "f_")
        else:
            ids = [int(i) for i in form.getlist("ids") if i.isdigit() and int(i) <= MAX_INT]
        if not ids:
            raise Invalid("select at least one instance (or apply to all matching the filter)", {"ids": "empty"})
        report = admin_bulk.run(db.session, action, ids, staff(), reason)
    except ServiceError as exc:
        db.session.rollback()
        error, status = exc.message, exc.status
    return render_template("admin/bulk_result.html", report=report, error=error, action=action), status


@bp.get("/bulk/ids")
@role_required("admin")
def bulk_ids() -> Any:
    """Ids of all instances matching the list's filter (the page then works through them in chunks)."""
    try:
        return jsonify({"ids": _filter_ids(request.args)})
    except ServiceError as exc:
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), exc.status


@bp.post("/bulk/<action>.json")
@role_required("admin")
def bulk_json(action: str) -> Any:
    """One chunk of a bulk run: {'ids', 'reason', 'bulk_id'} -> per-instance results."""
    body = request.get_json(silent=True) or {}
    try:
        report = admin_bulk.run(db.session, action, body.get("ids"), staff(), body.get("reason") or "",
                                bulk_id=_bulk_id(body.get("bulk_id")))
    except ServiceError as exc:
        db.session.rollback()
        return jsonify({"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}), exc.status
    return jsonify(report.as_dict())


def _bulk_id(value: Any) -> str | None:
    try:
        return str(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None
