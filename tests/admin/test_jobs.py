"""Bulk admin actions as background jobs: queued by a request, run by the worker in batches, resumable."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.admin.conftest import fresh
from tests.helpers import register, user
from tests.web.conftest import Web
from webapp.admin import actions as admin
from webapp.admin import jobs
from webapp.admin.models import AdminJob, AuditEntry
from webapp.engine import clock
from webapp.extensions import db
from webapp.outbox.delivery.settings import WorkerSettings
from webapp.worker import Worker


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A browser-like client (CSRF, session cookie)."""
    return Web(app.test_client())


def _cases(n: int) -> list[int]:
    return [register({"channel": "phone", "kind": "grievance", "category": "staff_attitude", "subject": f"Point {i}",
                      "customer": {"name": f"C{i}", "phone": f"1380000{i:04d}"}, "description": "old case"}).instance_id
            for i in range(n)]


def _audit(bulk_id: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.bulk_id == bulk_id)))


def test_a_terminate_job_is_queued_by_the_api_and_run_in_batches_with_progress(mini, api, frozen):
    ids = _cases(5)
    api.as_("admin")
    r = api.post("/api/v1/jobs", json={"action": "terminate", "reason": "closing stale cases", "ids": ids + [999999]})
    job = r.get_json()
    assert r.status_code == 202 and r.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert (job["status"], job["done"], job["total"]) == ("queued", 0, 6)
    assert {fresh(i).status for i in ids} == {"user_input"}  # the request itself touched no instance

    assert jobs.run_batch(db.session, batch=2) == 2
    shown = api.get(f"/api/v1/jobs/{job['id']}").get_json()
    assert (shown["status"], shown["done"], shown["percent"]) == ("running", 2, 33)
    while jobs.run_batch(db.session, batch=2):
        pass
    shown = api.get(f"/api/v1/jobs/{job['id']}").get_json()
    assert (shown["status"], shown["done"]) == ("done", 6) and shown["finished_at"]
    assert shown["counts"] == {"ok": 5, "failed": 0, "refused": 1}
    assert shown["problems"] == [{"instance_id": 999999, "outcome": "refused", "message": "instance 999999 not found"}]
    assert {fresh(i).status for i in ids} == {"terminated"}
    assert sorted(e.instance_id for e in _audit(job["bulk_id"])) == sorted(ids)
    assert jobs.run_batch(db.session) == 0  # nothing left


def test_the_api_refuses_bad_jobs_and_other_staff(mini, api):
    ids = _cases(1)
    assert api.as_("supervisor").post("/api/v1/jobs", json={"action": "terminate", "reason": "x" * 10,
                                                            "ids": ids}).status_code == 403
    api.as_("admin")
    r = api.post("/api/v1/jobs", json={"action": "skip", "reason": "not in bulk", "ids": ids})
    assert r.status_code == 422 and "cannot be done in bulk" in r.get_json()["error"]["message"]
    assert api.post("/api/v1/jobs", json={"action": "terminate", "reason": "", "ids": ids}).status_code == 422
    assert api.get("/api/v1/jobs/424242").status_code == 404
    assert db.session.scalars(select(AdminJob)).all() == []


def test_a_killed_worker_leaves_the_job_to_the_next_one_which_acts_on_no_instance_twice(mini, api, frozen):
    ids = _cases(4)
    job = jobs.create(db.session, "terminate", ids, user("admin"), "closing stale cases")
    # the killed worker: claimed the job, terminated the first instance, died before saving its progress
    claimed = jobs.claim(db.session)
    assert claimed is not None and claimed.id == job.id
    admin.terminate(db.session, ids[0], user("admin"), "closing stale cases", bulk_id=job.bulk_id)
    assert jobs.run_batch(db.session) == 0  # its lease still holds: nobody else runs the job yet
    clock.advance(jobs.LEASE + timedelta(seconds=1))
    worker = Worker(db.session, WorkerSettings(batch=50))
    assert worker.run_once() >= 4  # the next worker resumes at the saved position
    db.session.expire_all()
    done = db.session.get(AdminJob, job.id)
    assert (done.status, done.position, done.counts) == ("done", 4, {"ok": 4, "failed": 0, "refused": 0})
    assert sorted(e.instance_id for e in _audit(job.bulk_id)) == sorted(ids)  # one action per instance
    assert {fresh(i).status for i in ids} == {"terminated"}


def test_the_admin_page_queues_a_job_and_shows_its_progress(mini, web):
    ids = _cases(2)
    web.login("admin")
    web.get("/admin/instances")
    r = web.post("/admin/jobs", {"action": "terminate", "reason": "closing stale cases", "scope": "selected",
                                 "ids": [str(i) for i in ids]})
    assert r.status_code == 303
    url = r.headers["Location"]
    html = web.text(url)
    assert "0 of 2 instances" in html and 'http-equiv="refresh"' in html and "queued" in html
    while jobs.run_batch(db.session, batch=1):
        pass
    html = web.text(url)
    assert "2 of 2 instances" in html and 'http-equiv="refresh"' not in html
    assert "2 done, 0 still failing, 0 refused" in html
    assert url.rsplit("/", 1)[1] in web.text("/admin/jobs")
    r = web.post("/admin/jobs", {"action": "terminate", "reason": "", "scope": "selected", "ids": [str(ids[0])]})
    assert r.status_code == 422 and "say why" in r.get_data(as_text=True)
