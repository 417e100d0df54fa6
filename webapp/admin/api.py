"""Admin API: stuck list, repair actions on one instance or in bulk, diagram trace, audit log (admin only)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request, stream_with_context

from webapp.accounts.api import api_user, require
from webapp.admin import actions as admin
from webapp.admin import bulk as admin_bulk
from webapp.admin import repair as admin_repair
from webapp.admin.audit import AuditFilters, entry_json, export_csv, list_entries
from webapp.admin.diagram import flows_taken, process_xml, traces_json
from webapp.admin.instances import (
    detail,
    filters_from,
    instance_by_id,
    list_instances,
    matching_ids,
    status_counts,
)
from webapp.admin.stuck import RULES, StuckSettings, count_by_rule
from webapp.api import bp
from webapp.api.shapes import instance_json
from webapp.engine.clock import now
from webapp.errors import Invalid, NotFound
from webapp.extensions import db
from webapp.paging import page_size


def settings() -> StuckSettings:
    """Stuck thresholds from the app configuration."""
    return StuckSettings.from_config(current_app.config, db.session)


def body() -> dict[str, Any]:
    """The JSON object of the request (or Invalid)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("send a JSON object with at least a 'reason'", {"": "expected application/json object"})
    return data


@bp.get("/instances/stuck")
@require("admin")
def stuck_instances() -> Any:
    """Stuck instances with the rule(s) that caught each, newest first, keyset-paged (?before=<id>)."""
    filters = filters_from(request.args)
    filters.stuck = True
    rows, nxt = list_instances(db.session, filters, settings(), request.args.get("before", type=int),
                               page_size(request.args.get("limit", type=int)))
    return {
        "counts": {"by_rule": count_by_rule(db.session, now(), settings()), "by_status": status_counts(db.session)},
        "items": [instance_json(r.instance) | {
            "case_number": r.case.number if r.case else None,
            "reasons": [{"rule": x.rule, "text": x.text} for x in r.reasons]} for r in rows],
        "next_before": nxt, "rules": list(RULES),
    }


@bp.get("/instances/<int:instance_id>/trace")
@require("admin")
def instance_trace(instance_id: int) -> Any:
    """Element ids to highlight: completed, current, waiting, errored, and the sequence flows taken; per diagram
    under 'processes' (the instance's process and each process it called, with the call activity in 'calls')."""
    info = detail(db.session, instance_id, settings())
    xml = process_xml(info.instance.definition)
    err = (info.instance.error or {}).get("element") if info.instance.status == "error" else None
    per_process = traces_json(info.instance.definition, info.traces) if info.traces else {}
    return {"instance_id": instance_id, "status": info.instance.status, "completed": info.trace.completed,
            "current": info.trace.current, "waiting": info.trace.waiting, "errored": [err] if err else [],
            "flows": flows_taken(xml, info.trace.flows), "actions": info.actions} | per_process


@bp.post("/instances/<int:instance_id>/<action>")
@require("admin")
def instance_action(instance_id: int, action: str) -> Any:
    """Run one repair action; the body carries 'reason' and the action's parameters."""
    data = body()
    if action == "edit_data" and data.get("preview"):
        return {"diff": admin_repair.preview_data(db.session, instance_id, api_user(), data.get("data"))}
    admin.check_admin(api_user())
    result = admin_bulk.perform(db.session, instance_id, api_user(), action, data)
    instance = instance_by_id(db.session, instance_id)
    return {"result": result.as_dict(), "instance": instance_json(instance) if instance else None}


@bp.post("/instances/bulk/<action>")
@require("admin")
def bulk_action(action: str) -> Any:
    """Run an action on many instances: {'reason', 'ids': [...]} or {'reason', 'filter': {...}}."""
    data = body()
    if action not in admin.BULK_ACTIONS:
        raise NotFound(f"'{action}' cannot be done in bulk; one of: {', '.join(admin.BULK_ACTIONS)}")
    ids = data.get("ids")
    if ids is None and isinstance(data.get("filter"), dict):
        admin_bulk.check(action, [0], api_user(), data.get("reason"))  # refuse early, before any query
        ids = matching_ids(db.session, filters_from(data["filter"]), settings())
        if not ids:
            raise Invalid("no instance matches the filter", {"filter": "matches nothing"})
    return admin_bulk.run(db.session, action, ids, api_user(), data.get("reason") or "").as_dict()


@bp.get("/audit")
@require("admin")
def audit_log() -> Any:
    """Admin audit entries, newest first (?actor, action, instance, case, before=<id>)."""
    entries, nxt = list_entries(db.session, audit_filters(request.args), request.args.get("before", type=int),
                                page_size(request.args.get("limit", type=int), most=500))
    return {"items": [entry_json(e) for e in entries], "next_before": nxt}


@bp.get("/audit.csv")
@require("admin")
def audit_csv() -> Response:
    """The filtered audit log as CSV."""
    stream = stream_with_context(export_csv(db.session, audit_filters(request.args)))
    return Response(stream, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=closeloop-audit.csv"})


def audit_filters(args: Any) -> AuditFilters:
    """AuditFilters from query parameters."""
    return AuditFilters(actor=args.get("actor") or None, action=args.get("action") or None,
                        instance_id=args.get("instance", type=int), case_number=args.get("case") or None,
                        bulk_id=args.get("bulk") or None)
