"""Background bulk jobs in the admin console: queue one from the instance list, watch its progress."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from webapp.accounts.web_access import role_required, staff
from webapp.admin import jobs as admin_jobs
from webapp.admin.web import bp
from webapp.admin.web_bulk import _filter_ids
from webapp.errors import Invalid, ServiceError
from webapp.extensions import db


@bp.post("/jobs")
@role_required("admin")
def job_create() -> Any:
    """Queue the bulk action on the checked instances (or all matching the filter) for the worker."""
    form = request.form
    action, reason = form.get("action", ""), form.get("reason", "")
    try:
        ids = _filter_ids(form, "f_", admin_jobs.MAX_JOB) if form.get("scope") == "filter" else [
            int(i) for i in form.getlist("ids") if i.isdigit()]
        if not ids:
            raise Invalid("select at least one instance (or apply to all matching the filter)", {"ids": "empty"})
        job = admin_jobs.create(db.session, action, ids, staff(), reason)
    except ServiceError as exc:
        db.session.rollback()
        return render_template("admin/bulk_result.html", report=None, error=exc.message, action=action), exc.status
    return redirect(url_for("admin.job", job_id=job.id), 303)


@bp.get("/jobs")
@role_required("admin")
def jobs() -> Any:
    """The newest background jobs with their progress."""
    return render_template("admin/jobs.html", jobs=[admin_jobs.as_dict(j) for j in admin_jobs.recent(db.session)])


@bp.get("/jobs/<int:job_id>")
@role_required("admin")
def job(job_id: int) -> Any:
    """One job's progress (the page reloads itself until the job is done)."""
    job = admin_jobs.as_dict(admin_jobs.get(db.session, job_id))
    return render_template("admin/job.html", job=job | {"problems": admin_jobs.problem_texts(job["problems"])})
