"""Instance list (filters, counts, stuck reasons, keyset paging) and the instance page with its diagram."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import get_locale

from webapp.accounts.web_access import role_required
from webapp.admin import actions as admin
from webapp.admin import migrating
from webapp.admin.data_view import data_rows
from webapp.admin.diagram import flows_taken, process_xml, traces_json
from webapp.admin.instances import (
    Detail,
    detail,
    event_kinds,
    filters_from,
    history,
    instance_by_id,
    list_instances,
    process_keys,
    status_counts,
)
from webapp.admin.queue import candidates
from webapp.admin.stuck import RULE_TITLES, RULES, count_by_rule
from webapp.admin.web import bp, stuck_settings
from webapp.cases.page import event_line
from webapp.engine.clock import now
from webapp.errors import ServiceError
from webapp.extensions import db
from webapp.paging import page_size
from webapp.workflow.models import STATUSES

FILTER_KEYS = ("status", "stuck", "rule", "process", "version", "grade", "older_than_days", "idle_hours", "error",
               "case")


@bp.get("/")
@role_required("admin")
def index() -> Any:
    """The console opens on the stuck list."""
    return redirect(url_for("admin.instances", stuck=1))


@bp.get("/instances")
@role_required("admin")
def instances() -> Any:
    """Instances with filters, counts per status and per stuck rule, and bulk actions."""
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v not in ("", None)}
    error = None
    try:
        filters = filters_from(args)
        rows, next_before = list_instances(db.session, filters, stuck_settings(), request.args.get("before", type=int),
                                           page_size(request.args.get("limit", type=int)))
    except ServiceError as exc:
        rows, next_before, error = [], None, exc.message
    return render_template(
        "admin/instances.html", rows=rows, next_before=next_before, args=args, error=error,
        counts=status_counts(db.session), stuck_counts=count_by_rule(db.session, now(), stuck_settings()),
        statuses=STATUSES, rules=RULES, rule_titles=RULE_TITLES, processes=process_keys(db.session),
        bulk_actions=admin.BULK_ACTIONS,
    ), (422 if error else 200)


def page_context(info: Detail) -> dict[str, Any]:
    """Template values of the instance page."""
    inst = info.instance
    errored = [(inst.error or {}).get("element")] if inst.status == "error" and inst.error else []
    trace: dict[str, Any] = {"completed": info.trace.completed, "current": info.trace.current,
                             "waiting": info.trace.waiting, "errored": [e for e in errored if e], "flows": []}
    diagram_error = None
    try:
        trace["flows"] = flows_taken(process_xml(inst.definition), info.trace.flows)
        if info.traces is not None:
            trace |= traces_json(inst.definition, info.traces)
    except (LookupError, ValueError) as exc:
        diagram_error = str(exc)
    kind = request.args.get("kind") or None
    actor = request.args.get("actor") or None
    text = request.args.get("task") or None
    events = history(db.session, inst.id, info.case.id if info.case else None, kind, actor, text)
    return {
        "info": info, "inst": inst, "case": info.case, "trace": trace,
        "data_json": json.dumps(info.data, indent=2, ensure_ascii=False, sort_keys=True, default=str),
        "data_rows": data_rows(info.data or {}, inst.definition.forms, str(get_locale() or "en")),
        "event_line": event_line,
        "events": events, "kinds": event_kinds(db.session, inst.id), "hist": {"kind": kind, "actor": actor,
                                                                                "task": text},
        "diagram_error": diagram_error, "now": now(),
        "open_tasks": [t for t in info.tasks if t.state == "open"],
        "reassign_to": {t.id: candidates(db.session, t) for t in info.tasks if t.state == "open"},
        "redeliverable": admin.redeliverable, "migrate_versions": migrating.targets(db.session, inst),
    }


@bp.get("/instances/<int:instance_id>")
@role_required("admin")
def instance(instance_id: int) -> Any:
    """One instance: diagram, case summary, technical state, error, actions, history."""
    info = detail(db.session, instance_id, stuck_settings())
    return render_template("admin/instance.html", **page_context(info))


@bp.get("/instances/<int:instance_id>/diagram.bpmn")
@role_required("admin")
def diagram(instance_id: int) -> Any:
    """The BPMN XML of the instance's process version, or of a process it calls (?process=<id>), with a generated
    layout if the file has none."""
    info = instance_by_id(db.session, instance_id)
    if info is None:
        return Response("instance not found", status=404, mimetype="text/plain")
    try:
        xml = process_xml(info.definition, request.args.get("process") or None)
    except (LookupError, ValueError) as exc:
        return Response(str(exc), status=404, mimetype="text/plain")
    # a download, never a document the browser renders (an h:script in a diagram must not run)
    return Response(xml, mimetype="application/xml", headers={
        "Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="instance-{instance_id}.bpmn"'})
