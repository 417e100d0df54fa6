"""Migrate instances to another version of their process: one from its page, many from the list (as a job).

Both start with a dry run that shows what changes (waiting tasks kept or removed, timers recomputed, data kept);
the move itself needs a reason. A refusal (a waiting task the target version does not have) is shown as a 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.accounts.web_access import role_required, staff
from webapp.admin import jobs as admin_jobs
from webapp.admin import migrating
from webapp.admin.actions import check_admin
from webapp.admin.instances import detail
from webapp.admin.web import bp, stuck_settings
from webapp.admin.web_bulk import _filter_ids
from webapp.admin.web_instances import FILTER_KEYS
from webapp.errors import ServiceError
from webapp.extensions import db
from webapp.processes.migrate import migrate_instance
from webapp.security.limits import MAX_INT

DRY_REASON = "dry run"  # a dry run records nothing; the reason is asked for when the move is confirmed


def local_times(report: dict[str, Any]) -> dict[str, Any]:
    """The report with its timers' due times as datetimes (the page shows them in the user's zone)."""
    timers = [{**t, "due_before": _dt(t.get("due_before")), "due_after": _dt(t.get("due_after"))}
              for t in report.get("timers_recomputed", [])]
    return report | {"timers_recomputed": timers} if "timers_recomputed" in report else report


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@bp.post("/instances/<int:instance_id>/migrate")
@role_required("admin")
def migrate_one(instance_id: int) -> Any:
    """Dry run (step=dry) or move (step=go) one instance to the chosen version."""
    form = request.form
    info = detail(db.session, instance_id, stuck_settings())
    page: dict[str, Any] = {"inst": info.instance, "case": info.case, "report": None, "error": None,
                            "reason": form.get("reason", ""), "versions": migrating.targets(db.session, info.instance),
                            "to_version": None}
    try:
        to_version = admin_jobs.to_version(form.get("to_version"))
        page["to_version"] = to_version
        if form.get("step") == "go":
            report = migrate_instance(db.session, instance_id, to_version, dry_run=False, user=staff(),
                                      reason=form.get("reason", ""))
            flash(_("Migrated from version %(a)s to %(b)s.", a=report["from_version"], b=report["to_version"]),
                  "success")
            return redirect(url_for("admin.instance", instance_id=instance_id), code=303)
        page["report"] = local_times(migrate_instance(db.session, instance_id, to_version, dry_run=True,
                                                      user=staff(), reason=DRY_REASON))
        status = 409 if page["report"]["refused"] else 200
    except ServiceError as exc:
        db.session.rollback()
        page["error"], status = exc.message, exc.status
    return render_template("admin/migrate_one.html", **page), status


def _ids(form: Any) -> list[int]:
    """The selection of the list: the checked ids, or every instance matching the carried filter."""
    if form.get("scope") == "filter":
        return _filter_ids(form, "f_", admin_jobs.MAX_JOB)
    return [int(i) for i in form.getlist("ids") if i.isdigit() and int(i) <= MAX_INT]


@bp.post("/migrate")
@role_required("admin")
def migrate_many() -> Any:
    """Bulk migration: choose the version, dry-run a sample, then queue a background job (step=queue)."""
    form = request.form
    carried = {k: v for k, v in form.items() if k == "scope" or k.startswith("f_") and k[2:] in FILTER_KEYS}
    page: dict[str, Any] = {"carried": carried, "ids": form.getlist("ids"), "report": None, "error": None,
                            "selection": None, "versions": [], "to_version": None, "reason": form.get("reason", "")}
    status = 200
    try:
        check_admin(staff())
        chosen = migrating.selection(db.session, _ids(form))
        page["selection"], page["versions"] = chosen, migrating.versions_of(db.session, chosen.process)
        if form.get("step") in ("dry", "queue"):
            page["to_version"] = to_version = admin_jobs.to_version(form.get("to_version"))
            if form.get("step") == "queue":
                job = admin_jobs.create(db.session, "migrate", chosen.ids, staff(), form.get("reason", ""),
                                        {"to_version": to_version})
                return redirect(url_for("admin.job", job_id=job.id), code=303)
            page["report"] = report = migrating.dry_run_many(db.session, chosen.ids, to_version, staff(), DRY_REASON)
            report["items"] = [local_times(item) for item in report["items"]]
    except ServiceError as exc:
        db.session.rollback()
        page["error"], status = exc.message, exc.status
    return render_template("admin/migrate_many.html", **page), status
