"""Migrate as a background job (issue 16 item 4, issue 12 item 5): queued by a request, run by the worker in
batches, resumable after a kill; a resumed job reports each instance as it really went."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.admin.conftest import errored_case, fresh, to_followup
from tests.conftest import FIXTURES
from tests.fixtures import handlers as fixture_handlers
from tests.helpers import open_task, register, user
from tests.web.conftest import Web
from webapp.admin import jobs
from webapp.admin import repair as admin_repair
from webapp.admin.models import AdminJob, AuditEntry
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Timer
from webapp.workflow.definitions import deploy_files


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A browser-like client (CSRF, session cookie)."""
    return Web(app.test_client())


def mini_v2(drop_fact_finding: bool = False) -> None:
    """Deploy version 2 of the mini grievance: 'Find the facts' renamed, its late timer 6 hours instead of 4
    (or, dropping the element, 'fact_finding' replaced by a new 'facts_found' task: a waiting task disappears)."""
    xml = (FIXTURES / "processes" / "mini.bpmn").read_text(encoding="utf-8")
    assert 'name="Find the facts"' in xml and '"PT4H"' in xml
    xml = xml.replace('name="Find the facts"', 'name="Find all facts"').replace('"PT4H"', '"PT6H"')
    if drop_fact_finding:
        xml = xml.replace("fact_finding", "facts_found")
    dmn = (FIXTURES / "processes" / "mini_grade.dmn").read_bytes()
    forms = {p.name: p.read_bytes() for p in (FIXTURES / "forms").glob("*.json")}
    deploy_files(db.session, {"mini.bpmn": xml.encode(), "mini_grade.dmn": dmn}, forms, "owner")


def cases(n: int) -> list[int]:
    """`n` new mini grievances (on the newest version), their instance ids."""
    return [register({"channel": "phone", "kind": "grievance", "category": "staff_attitude", "subject": f"Point {i}",
                      "customer": {"name": f"C{i}", "phone": f"1390000{i:04d}"}, "description": "old case"}).instance_id
            for i in range(n)]


def _audit(bulk_id: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.bulk_id == bulk_id)))


def test_a_migrate_job_moves_every_instance_of_a_version_with_its_tasks_and_timers(mini, api, frozen):
    ids = cases(3)
    clock.advance(timedelta(hours=1))
    mini_v2()
    api.as_("admin")
    r = api.post("/api/v1/jobs", json={"action": "migrate", "to_version": 2, "reason": "late timer is 6 hours now",
                                       "filter": {"process": "complaint", "version": 1}})
    job = r.get_json()
    assert r.status_code == 202, job
    assert (job["status"], job["total"], job["params"]) == ("queued", 3, {"to_version": 2})
    assert {fresh(i).definition.version for i in ids} == {1}  # the request migrated nothing
    while jobs.run_batch(db.session, batch=2):
        pass
    shown = api.get(f"/api/v1/jobs/{job['id']}").get_json()
    assert (shown["status"], shown["counts"]) == ("done", {"ok": 3, "failed": 0, "refused": 0}), shown
    assert {fresh(i).definition.version for i in ids} == {2}
    for i in ids:  # the open task row follows the new version; the timer is due 6 hours after the migration
        assert open_task(fresh_case(i)).title == "Find all facts"
        timer = db.session.scalars(select(Timer).where(Timer.instance_id == i, Timer.state == "waiting")).one()
        assert timer.due_at == clock.now() + timedelta(hours=6)
    assert sorted(e.instance_id for e in _audit(job["bulk_id"])) == sorted(ids)
    assert {e.action for e in _audit(job["bulk_id"])} == {"migrate"}


def fresh_case(instance_id: int) -> Any:
    """The case of an instance."""
    from webapp.models import Case

    db.session.expire_all()
    return db.session.scalars(select(Case).where(Case.instance_id == instance_id)).one()


def test_a_migrate_job_reports_refusals_and_bad_requests_store_nothing(mini, api, frozen):
    ids = cases(2)
    mini_v2()
    api.as_("admin")
    for bad, field in (({"to_version": None}, "to_version"), ({"to_version": "two"}, "to_version"),
                       ({"to_version": 2, "reason": ""}, "reason")):
        r = api.post("/api/v1/jobs", json={"action": "migrate", "ids": ids, "reason": "new timer"} | bad)
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], r.get_json()
    assert db.session.scalars(select(AdminJob)).all() == []
    r = api.post("/api/v1/jobs", json={"action": "migrate", "ids": ids + [999999], "to_version": 7,
                                       "reason": "no such version"})
    assert r.status_code == 202
    while jobs.run_batch(db.session):
        pass
    done = api.get(f"/api/v1/jobs/{r.get_json()['id']}").get_json()
    assert done["counts"] == {"ok": 0, "failed": 0, "refused": 3}
    assert {p["message"] for p in done["problems"]} == {"process 'complaint' has no version 7",
                                                        "instance 999999 not found"}
    coded = [p for p in done["problems"] if p.get("code")]  # stored as a code with parameters, shown translated
    assert [(p["code"], p["params"]) for p in coded] == [("no_version", {"process": "complaint", "version": "7"})] * 2


def test_the_job_page_shows_a_stored_migrate_refusal_in_the_readers_language(mini, api, web, frozen):
    ids = cases(1)
    mini_v2(drop_fact_finding=True)
    r = api.as_("admin").post("/api/v1/jobs", json={"action": "migrate", "ids": ids, "to_version": 2,
                                                    "reason": "facts step replaced"})
    while jobs.run_batch(db.session):
        pass
    [problem] = db.session.get(AdminJob, r.get_json()["id"]).problems
    assert problem["code"] == "waiting_removed" and problem["message"].startswith("version 2 has no 'fact_finding'")
    web.login("admin")
    page = web.text(f"/admin/jobs/{r.get_json()['id']}")
    assert "version 2 has no &#39;fact_finding&#39;" in page
    web.post("/language", {"language": "zh", "next": "/"})
    page = web.text(f"/admin/jobs/{r.get_json()['id']}")
    assert "版本 2 中没有 &#39;fact_finding&#39;" in page and "version 2 has no" not in page


def test_a_migrate_job_resumes_after_a_killed_worker_and_migrates_no_instance_twice(mini, api, frozen):
    ids = cases(4)
    mini_v2()
    job = jobs.create(db.session, "migrate", ids, user("admin"), "late timer is 6 hours now", {"to_version": 2})
    claimed = jobs.claim(db.session)  # the killed worker: migrated the first instance, died before saving progress
    assert claimed is not None and claimed.id == job.id
    from webapp.processes.migrate import migrate_instance

    migrate_instance(db.session, ids[0], 2, dry_run=False, reason=job.reason, user=user("admin"), bulk_id=job.bulk_id)
    assert jobs.run_batch(db.session) == 0  # the lease still holds
    clock.advance(jobs.LEASE + timedelta(seconds=1))
    assert jobs.run_batch(db.session) == 4  # resumed at the saved position: instance 1 is skipped, not redone
    db.session.expire_all()
    done = db.session.get(AdminJob, job.id)
    assert (done.status, done.position, done.counts) == ("done", 4, {"ok": 4, "failed": 0, "refused": 0})
    assert sorted(e.instance_id for e in _audit(job.bulk_id)) == sorted(ids)  # one migration per instance
    assert {fresh(i).definition.version for i in ids} == {2}


def test_a_resumed_job_counts_an_action_that_failed_before_the_kill_as_failed_not_ok(mini, api, frozen):
    broken = errored_case()
    other = register({"channel": "phone", "kind": "grievance", "category": "staff_attitude", "subject": "Point 9",
                      "customer": {"name": "Wang Fang", "phone": "13800000009"}, "description": "rude"})
    to_followup(other)
    job = jobs.create(db.session, "retry", [broken.instance_id], user("admin"), "mail relay fixed?")
    assert jobs.claim(db.session) is not None
    fixture_handlers.FAIL["notify"] = True  # the relay is still down: the retry runs and fails again
    result = admin_repair.retry(db.session, broken.instance_id, user("admin"), job.reason, bulk_id=job.bulk_id)
    fixture_handlers.FAIL["notify"] = False
    assert not result.ok  # ... and the worker is killed before it saves its progress
    clock.advance(jobs.LEASE + timedelta(seconds=1))
    assert jobs.run_batch(db.session) == 1
    db.session.expire_all()
    done = db.session.get(AdminJob, job.id)
    assert done.counts == {"ok": 0, "failed": 1, "refused": 0}, done.counts
    assert done.problems == [{"instance_id": broken.instance_id, "outcome": "failed", "message": result.message}]
    assert fresh(broken.instance_id).status == "error"  # resuming did not run the retry a second time
    assert len(_audit(job.bulk_id)) == 1
