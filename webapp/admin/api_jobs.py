"""Admin API for background bulk jobs: queue one (202) and read its progress."""

from __future__ import annotations

from typing import Any

from flask import current_app

from webapp.accounts.api import api_user, require
from webapp.admin import jobs as admin_jobs
from webapp.admin.api import body
from webapp.admin.instances import filters_from, matching_ids
from webapp.admin.stuck import StuckSettings
from webapp.api import bp
from webapp.errors import Invalid
from webapp.extensions import db


@bp.post("/jobs")
@require("admin")
def job_create() -> Any:
    """Queue a bulk action: {'action', 'reason', 'ids': [...]} or {'action', 'reason', 'filter': {...}};
    migrate also takes 'to_version'."""
    data = body()
    ids = data.get("ids")
    if ids is None and isinstance(data.get("filter"), dict):
        settings = StuckSettings.from_config(current_app.config, db.session)
        ids = matching_ids(db.session, filters_from(data["filter"]), settings, limit=admin_jobs.MAX_JOB)
        if not ids:
            raise Invalid("no instance matches the filter", {"filter": "matches nothing"})
    job = admin_jobs.create(db.session, str(data.get("action") or ""), ids, api_user(), str(data.get("reason") or ""),
                            {"to_version": data.get("to_version")})
    return admin_jobs.as_dict(job), 202, {"Location": f"/api/v1/jobs/{job.id}"}


@bp.get("/jobs/<int:job_id>")
@require("admin")
def job_show(job_id: int) -> Any:
    """A job's progress: status, done of total, counts, the first problems."""
    return admin_jobs.as_dict(admin_jobs.get(db.session, job_id))
