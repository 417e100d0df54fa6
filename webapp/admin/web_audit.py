"""The audit page: who did what to which instance, when, why, with the data change; CSV export. Read-only."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, stream_with_context

from webapp.accounts.web_access import role_required
from webapp.admin import actions as admin
from webapp.admin.audit import AuditFilters, actions_used, actors, export_csv, list_entries
from webapp.admin.web import bp
from webapp.extensions import db


def _filters() -> AuditFilters:
    args = request.args
    return AuditFilters(actor=args.get("actor") or None, action=args.get("action") or None,
                        instance_id=args.get("instance", type=int), case_number=args.get("case") or None,
                        bulk_id=args.get("bulk") or None)


@bp.get("/audit")
@role_required("admin")
def audit() -> Any:
    """Audit entries, newest first, filterable, keyset-paged."""
    entries, next_before = list_entries(db.session, _filters(), request.args.get("before", type=int), 50)
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template("admin/audit.html", entries=entries, next_before=next_before, args=args,
                           actors=actors(db.session), actions=actions_used(db.session, admin.ACTIONS))


@bp.get("/audit.csv")
@role_required("admin")
def audit_csv() -> Response:
    """The filtered audit log as CSV."""
    return Response(stream_with_context(export_csv(db.session, _filters())), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=closeloop-audit.csv"})
