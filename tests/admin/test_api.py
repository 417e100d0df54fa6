"""Admin API: every action is admin-only (403), refused with an explanation in a wrong state (409), audited."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from tests.admin.conftest import errored_case, fresh
from tests.fixtures import handlers as fixture_handlers
from tests.helpers import open_task, register
from webapp.admin.models import AuditEntry
from webapp.extensions import db
from webapp.models import Timer

NON_ADMINS = ("agent", "handler1", "supervisor", "gm", "owner", "outsider")
ACTIONS = ("retry", "skip", "edit_data", "reassign", "suspend", "resume", "terminate", "fire_timer", "redeliver",
           "reset")


def audit_count() -> int:
    """Number of audit entries."""
    return db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.mark.parametrize("username", NON_ADMINS)
def test_every_action_and_view_is_forbidden_to_non_admins(mini, api, username):
    case = errored_case()
    inst_id = case.instance_id
    api.as_(username)
    for action in ACTIONS:
        r = api.post(f"/api/v1/instances/{inst_id}/{action}", json={"reason": "I want to", "data": {}})
        assert r.status_code == 403, (action, r.get_json())
        assert r.get_json()["error"]["code"] == "forbidden"
    for action in ("retry", "suspend", "resume", "terminate", "redeliver"):
        r = api.post(f"/api/v1/instances/bulk/{action}", json={"reason": "I want to", "ids": [inst_id]})
        assert r.status_code == 403, action
    for url in ("/api/v1/instances/stuck", f"/api/v1/instances/{inst_id}/trace", "/api/v1/audit",
                "/api/v1/audit.csv"):
        assert api.get(url).status_code == 403, url
    assert fresh(inst_id).status == "error" and audit_count() == 0


def test_without_a_token_it_is_401(mini, api):
    r = api.client.post("/api/v1/instances/1/retry", json={"reason": "x"})
    assert r.status_code == 401


def test_each_action_in_a_state_where_it_is_invalid_is_409_with_an_explanation(mini, api):
    api.as_("admin")
    done = register()
    inst_id = done.instance_id
    task = open_task(done)
    timer = db.session.scalars(select(Timer).where(Timer.instance_id == inst_id)).one()
    expectations = {
        "retry": ({}, "is user_input; only an instance stopped on an error can be retried"),
        "skip": ({"data": {}}, "name an open task to skip"),
        "resume": ({}, "not suspended; there is nothing to resume"),
        "redeliver": ({}, "has no failed message to re-deliver"),
        "reset": ({"task_id": task.task_id}, "not a completed user task of this instance"),
    }
    for action, (extra, text) in expectations.items():
        r = api.post(f"/api/v1/instances/{inst_id}/{action}", json={"reason": "checking", **extra})
        assert r.status_code == 409, (action, r.get_json())
        assert text in r.get_json()["error"]["message"], action
    r = api.post(f"/api/v1/instances/{inst_id}/terminate", json={"reason": "duplicate case"})
    assert r.status_code == 200 and r.get_json()["instance"]["status"] == "terminated"
    after_terminate = {
        "terminate": ({}, "already terminated"),
        "suspend": ({}, "is terminated; only running, waiting, user_input or error instances can be suspended"),
        "edit_data": ({"data": {"x": 1}}, "is terminated; its data can no longer change anything"),
        "reassign": ({"task_id": task.id, "username": "handler1b"}, "is cancelled; only open tasks"),
        "fire_timer": ({"timer_id": timer.id}, "is cancelled and the instance is terminated"),
        "reset": ({"task_id": task.task_id}, "the token can only be moved back in an active instance"),
        "retry": ({}, "is terminated; only an instance stopped on an error"),
    }
    for action, (extra, text) in after_terminate.items():
        r = api.post(f"/api/v1/instances/{inst_id}/{action}", json={"reason": "checking", **extra})
        assert r.status_code == 409, (action, r.get_json())
        assert text in r.get_json()["error"]["message"], (action, r.get_json())
    assert audit_count() == 1  # only the termination


def test_a_reason_is_required_and_unknown_actions_are_404(mini, api):
    case = errored_case()
    api.as_("admin")
    r = api.post(f"/api/v1/instances/{case.instance_id}/retry", json={})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"reason": "required"}
    assert api.post(f"/api/v1/instances/{case.instance_id}/explode", json={"reason": "boom"}).status_code == 404
    assert api.post("/api/v1/instances/bulk/skip", json={"reason": "why", "ids": [1]}).status_code == 404
    assert api.post("/api/v1/instances/999/retry", json={"reason": "why"}).status_code == 404
    assert fresh(case.instance_id).status == "error"


def test_retry_through_the_api_and_the_audit_log(mini, api):
    case = errored_case()
    api.as_("admin")
    stuck = api.get("/api/v1/instances/stuck").get_json()
    assert [i["id"] for i in stuck["items"]] == [case.instance_id]
    assert stuck["items"][0]["reasons"][0]["rule"] == "error" and stuck["counts"]["by_rule"]["error"] == 1
    trace = api.get(f"/api/v1/instances/{case.instance_id}/trace").get_json()
    assert trace["errored"] == ["notify_closed"] and trace["current"] == ["followup"]
    assert {"start", "grade_task", "record_grade", "fact_finding", "solution"} <= set(trace["completed"])
    assert trace["flows"] == ["f1", "f2", "f3", "f4", "f5"] and "retry" in trace["actions"]
    r = api.post(f"/api/v1/instances/{case.instance_id}/retry", json={"reason": "mail relay fixed"})
    assert r.status_code == 200
    assert r.get_json()["result"]["ok"] is True and r.get_json()["instance"]["status"] == "complete"
    log = api.get("/api/v1/audit").get_json()["items"]
    assert [(e["actor"], e["action"], e["reason"], e["case_number"]) for e in log] == [
        ("admin", "retry", "mail relay fixed", case.number)]
    assert log[0]["before"]["status"] == "error" and log[0]["after"]["status"] == "complete"
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/audit.csv").get_data(as_text=True))))
    assert [(r["action"], r["reason"], r["instance_id"]) for r in rows] == [
        ("retry", "mail relay fixed", str(case.instance_id))]


def test_edit_data_preview_shows_the_diff_and_saves_nothing(mini, api):
    case = errored_case()
    api.as_("admin")
    url = f"/api/v1/instances/{case.instance_id}/edit_data"
    r = api.post(url, json={"preview": True, "data": {"satisfaction": 4}})
    diff = r.get_json()["diff"]
    assert diff["added"] == {"satisfaction": 4} and "solution_type" in diff["removed"]
    assert audit_count() == 0
    r = api.post(url, json={"reason": "fix", "data": {"bad key": 1}})
    assert r.status_code == 422


def test_bulk_retry_reports_each_instance_and_one_refusal_does_not_stop_the_others(mini, api):
    broken = [errored_case(name=f"Customer {n}", email=f"c{n}@example.test", phone=f"1390000000{n}")
              for n in range(3)]
    healthy = register()
    fixture_handlers.FAIL["notify"] = False
    api.as_("admin")
    ids = [broken[0].instance_id, healthy.instance_id, broken[1].instance_id, broken[2].instance_id]
    r = api.post("/api/v1/instances/bulk/retry", json={"reason": "mail fixed", "ids": ids})
    report = r.get_json()
    assert r.status_code == 200 and report["counts"] == {"ok": 3, "failed": 0, "refused": 1}
    by_id = {x["instance_id"]: x for x in report["results"]}
    assert by_id[healthy.instance_id]["outcome"] == "refused" and by_id[healthy.instance_id]["http_status"] == 409
    assert all(by_id[c.instance_id]["status"] == "complete" for c in broken)
    entries = db.session.scalars(select(AuditEntry)).all()
    assert len(entries) == 3 and {e.bulk_id for e in entries} == {report["bulk_id"]}


def test_bulk_by_filter(mini, api):
    broken = [errored_case(name=f"Customer {n}", email=f"c{n}@example.test", phone=f"1390000000{n}")
              for n in range(2)]
    register()
    api.as_("admin")
    r = api.post("/api/v1/instances/bulk/suspend", json={"reason": "maintenance", "filter": {"status": "error"}})
    assert r.get_json()["counts"] == {"ok": 2, "failed": 0, "refused": 0}
    assert {fresh(c.instance_id).status for c in broken} == {"suspended"}
    r = api.post("/api/v1/instances/bulk/resume", json={"reason": "done", "filter": {"status": "suspended"}})
    assert r.get_json()["counts"]["ok"] == 2 and {fresh(c.instance_id).status for c in broken} == {"error"}
    r = api.post("/api/v1/instances/bulk/resume", json={"reason": "done", "filter": {"status": "suspended"}})
    assert r.status_code == 422
