"""Instance migration (issue 12, acceptance story 8): a changed T1 deadline applies to new cases, a running case
keeps its version until an admin migrates it; a case stuck on a broken timer is migrated to the fixed version and
retried; dry run, refusal (409) and bulk with a report per instance."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.api.test_stories import events, inquiry, open_task, show
from tests.conftest import T0, Api
from tests.studio.helpers import CLOCK_READ, deploy_inquiry_unchecked, hand_timer, inquiry_hours, pack_file, post_files
from tests.web.conftest import Web
from webapp.admin import jobs
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import AuditEntry, HumanTask, Instance, Timer

pytestmark = pytest.mark.usefixtures("frozen_at_t0")


def at(**delta: float) -> str:
    """T0 plus a delta, as the API writes it."""
    return (T0 + timedelta(**delta)).isoformat()


def instance_of(api: Api, number: str) -> dict[str, Any]:
    """The case's instance as the admin API shows it."""
    iid = show(api, number)["instance_id"]
    return api.as_("admin").get(f"/api/v1/instances/{iid}").get_json()  # type: ignore[no-any-return]


def migrate(api: Api, number: str, to_version: int, dry_run: bool) -> Any:
    """POST /api/v1/instances/<id>/migrate as the admin."""
    iid = show(api, number)["instance_id"]
    return api.as_("admin").post(f"/api/v1/instances/{iid}/migrate",
                                 json={"to_version": to_version, "dry_run": dry_run, "reason": "T1 is 4 hours now"})


def timers(api: Api, number: str) -> dict[str, str]:
    """Waiting timers of the case's instance: element -> due."""
    return {t["element"]: t["due_at"] for t in instance_of(api, number)["timers"]}


def test_story_8_running_case_keeps_its_version_until_an_admin_migrates_it(api: Api, pack: None) -> None:
    before = inquiry(api, "13800000001")
    callback_row = open_task(api, before, "callback")
    clock.advance(timedelta(minutes=10))
    r = post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)}, comment="T1 callback 4 hours")
    assert r.status_code == 201, r.get_json()
    after = inquiry(api, "13800000002")
    assert (instance_of(api, before)["version"], instance_of(api, after)["version"]) == (1, 2)
    assert timers(api, after)["callback_timer"] == at(minutes=10, hours=4)
    assert timers(api, before)["callback_timer"] == at(hours=3)

    dry = migrate(api, before, 2, dry_run=True)
    assert dry.status_code == 200, dry.get_json()
    report = dry.get_json()
    assert report["ok"] and not report["migrated"] and report["waiting_removed"] == []
    assert {w["element"] for w in report["waiting_kept"]} >= {"callback", "sign_notice", "callback_timer"}
    recomputed = {t["element"]: t for t in report["timers_recomputed"]}
    # the timer reads the case's T1-callback clock, started (and promised to the customer) with 3 hours: the
    # case moves to version 2, its running clock is not restarted; 4 hours count where a clock starts on v2
    assert recomputed["callback_timer"]["due_before"] == at(hours=3)
    assert recomputed["callback_timer"]["due_after"] == at(hours=3)
    assert {"description", "customer"} <= set(report["data_kept"])
    assert instance_of(api, before)["version"] == 1  # a dry run changes nothing

    done = migrate(api, before, 2, dry_run=False)
    assert done.status_code == 200 and done.get_json()["migrated"] is True, done.get_json()
    assert instance_of(api, before)["version"] == 2
    assert timers(api, before)["callback_timer"] == at(hours=3)
    moved = open_task(api, before, "callback")
    assert moved["id"] == callback_row["id"] and moved["group"] == callback_row["group"]  # the same task row
    assert [e["data"]["version"] for e in events(show(api, before), "instance_migrated")] == [2]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "migrate")).one()
    assert (audit.actor, audit.reason, audit.before["version"], audit.after["version"]) == (
        "admin", "T1 is 4 hours now", 1, 2)
    assert migrate(api, before, 2, dry_run=False).status_code == 409  # already there


def stuck_on_a_broken_timer(api: Api) -> tuple[str, dict[str, Any]]:
    """An inquiry case on a hand-written, broken T1 timer (v2), stopped on it at its first task; the fix is v3."""
    broken = pack_file("inquiry.bpmn").replace(CLOCK_READ, hand_timer('"PT4H hours"'))  # by hand, unchecked
    deploy_inquiry_unchecked(broken.encode())  # complaint v2 / inquiry v2
    case = api.as_("agent").post("/api/v1/cases", json={
        "channel": "phone", "kind": "inquiry", "category": "sales", "subject": "Pump warranty",
        "customer": {"name": "Li Lei", "phone": "13800000003"}, "description": "Warranty of the pump?"})
    assert case.status_code == 201, case.get_json()
    number = case.get_json()["number"]
    answer = open_task(api, number, "answer")
    api.as_("agent").post(f"/api/v1/tasks/{answer['id']}/claim")
    r = api.as_("agent").post(f"/api/v1/tasks/{answer['id']}/complete", json={"data": {
        "question": "Warranty of the pump?", "answered_at_once": False, "answer": "", "department": "After-sales"}})
    assert r.status_code == 202, r.get_json()  # accepted, but the instance stopped on the error
    stuck = instance_of(api, number)
    assert stuck["status"] == "error" and stuck["version"] == 2, stuck
    assert "PT4H hours" in stuck["error"]["message"] or "duration" in stuck["error"]["message"].lower(), stuck
    fixed = post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)}, comment="fix the T1 timer")
    assert fixed.status_code == 201, fixed.get_json()  # complaint v3
    return number, stuck


def test_story_8_case_stuck_on_a_broken_timer_is_migrated_to_the_fixed_version_and_retried(
        api: Api, pack: None) -> None:
    number, stuck = stuck_on_a_broken_timer(api)
    report = migrate(api, number, 3, dry_run=False).get_json()
    assert report["migrated"] and {w["element"] for w in report["waiting_kept"]} >= {"answer"}, report
    assert instance_of(api, number)["status"] == "error"  # still stuck until it is retried
    iid = stuck["id"]
    retried = api.as_("admin").post(f"/api/v1/instances/{iid}/retry", json={"reason": "runs on the fixed timer"})
    assert retried.status_code == 200 and retried.get_json()["result"]["ok"], retried.get_json()
    now = instance_of(api, number)
    assert (now["status"], now["version"]) == ("user_input", 3)
    assert timers(api, number)["callback_timer"] == at(hours=4)
    assert {t["task_spec"] for t in show(api, number)["open_tasks"]} == {"callback", "sign_notice"}


def test_a_migrated_instance_held_by_the_session_runs_on_the_new_version(api: Api, pack: None) -> None:
    """The session (here the test's, in a service a bulk action's or a worker's) keeps its Instance object across
    calls (expire_on_commit is off): after the migration that object names the new version, so the retry runs it;
    before, only definition_id moved and the retry ran the broken version again whenever the object outlived
    the call (a reference held, or no garbage collection in between)."""
    number, stuck = stuck_on_a_broken_timer(api)
    held = db.session.get(Instance, stuck["id"])
    assert held is not None and held.definition.version == 2
    assert migrate(api, number, 3, dry_run=False).get_json()["migrated"]
    assert (held.definition.version, held.definition.id) == (3, held.definition_id)
    retried = api.as_("admin").post(f"/api/v1/instances/{held.id}/retry", json={"reason": "runs on the fixed timer"})
    assert retried.get_json()["result"]["ok"], retried.get_json()
    assert (held.status, held.definition.version) == ("user_input", 3)


def _remove_sign_notice(text: str) -> str:
    """inquiry.bpmn where the coordination notice is sent without the section chief's signature."""
    start = text.index('<bpmn:userTask id="sign_notice"')
    end = text.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    text = text[:start] + text[end:]
    start = text.index('<bpmn:boundaryEvent id="notice_timer"')
    end = text.index("</bpmn:boundaryEvent>", start) + len("</bpmn:boundaryEvent>")
    text = text[:start] + text[end:]
    for old, new in [('sourceRef="clock_notice" targetRef="sign_notice"', 'sourceRef="clock_notice" '
                      'targetRef="stop_notice"'), ("<bpmn:incoming>Flow_sign_notice_stop_notice</bpmn:incoming>",
                                                   "<bpmn:incoming>Flow_clock_notice_sign_notice</bpmn:incoming>")]:
        assert old in text, old
        text = text.replace(old, new)
    for ident in ("Flow_sign_notice_stop_notice", "Flow_notice_timer_notice_missed"):
        start = text.index(f'<bpmn:sequenceFlow id="{ident}"')
        text = text[:start] + text[text.index("/>", start) + 2:]
    for element in ("notice_missed", "end_notice_missed"):  # what only the removed timer led to
        start = text.index(f'id="{element}"')
        start = text.rindex("<bpmn:", 0, start)
        tag = text[start + 6:text.index(" ", start)]
        text = text[:start] + text[text.index(f"</bpmn:{tag}>", start) + len(tag) + 9:]
    return text


def test_migration_is_refused_when_a_waiting_task_would_disappear_and_bulk_reports_each(
        api: Api, pack: None) -> None:
    first, second = inquiry(api, "13800000001"), inquiry(api, "13800000002")
    r = post_files(api, "/api/v1/processes", {"inquiry.bpmn": _remove_sign_notice(pack_file("inquiry.bpmn")).encode()})
    assert r.status_code == 201, r.get_json()
    dry = migrate(api, first, 2, dry_run=True).get_json()
    assert dry["ok"] is False and sorted(w["element"] for w in dry["waiting_removed"]) == ["notice_timer",
                                                                                           "sign_notice"], dry
    assert "sign_notice" in dry["refused"]
    refused = migrate(api, first, 2, dry_run=False)
    assert refused.status_code == 409 and "sign_notice" in refused.get_json()["error"]["message"]
    assert instance_of(api, first)["version"] == 1
    db.session.expire_all()
    tasks = db.session.scalars(select(HumanTask.spec_id).where(HumanTask.case_number == first,
                                                               HumanTask.state == "open")).all()
    assert sorted(tasks) == ["callback", "sign_notice"]  # nothing moved
    # the admin's migrate page in Chinese gives the refusal in Chinese (the API above answered in English)
    web = Web(api.client.application.test_client()).login("admin")
    web.post("/language", {"language": "zh", "next": "/"})
    iid = show(api, first)["instance_id"]
    web.get(f"/admin/instances/{iid}")
    page = web.post(f"/admin/instances/{iid}/migrate", {"step": "dry", "to_version": "2"})
    assert page.status_code == 409 and "版本 2 中没有" in page.get_data(as_text=True)
    page = web.post(f"/admin/instances/{iid}/migrate", {"step": "dry", "to_version": "x"})
    assert page.status_code == 422 and "请填写要迁移到的版本" in page.get_data(as_text=True)

    # the second case's notice is signed: it waits only at the callback, which version 2 keeps, but it has passed
    # the notice version 2 removed: its path could not be read on version 2 (migrated, its next step failed to load)
    notice = open_task(api, second, "sign_notice")
    api.as_("supervisor").post(f"/api/v1/tasks/{notice['id']}/claim")
    done = api.as_("supervisor").post(f"/api/v1/tasks/{notice['id']}/complete",
                                      json={"data": {"signed_by": "Sam", "department": "After-sales",
                                                     "question_summary": "Pump warranty"}})
    assert done.status_code == 200, done.get_json()
    body = {"filter": {"process": "complaint", "version": 1}, "to_version": 2, "reason": "notice step removed"}
    report = api.as_("admin").post("/api/v1/instances/bulk/migrate", json=body | {"dry_run": True}).get_json()
    by_instance = {i["instance"]: i for i in report["items"]}
    first_id, second_id = (show(api, n)["instance_id"] for n in (first, second))
    # the second has passed the removed notice: its path cannot be read on version 2, so it keeps its own too
    assert by_instance[first_id]["ok"] is False and by_instance[second_id]["ok"] is False
    assert "has passed" in by_instance[second_id]["refused"] and "sign_notice" in by_instance[second_id]["refused"]
    assert report["total"] == 2 and report["next_after"] is None
    queued = api.as_("admin").post("/api/v1/instances/bulk/migrate", json=body | {"dry_run": False})
    assert queued.status_code == 202, queued.get_json()  # the request only queues a job: nothing moved yet
    job = queued.get_json()
    assert job["action"] == "migrate" and job["status"] == "queued" and job["total"] == 2
    assert queued.headers["Location"] == job["links"]["job"] == f"/api/v1/jobs/{job['id']}"
    assert job["links"]["page"] == f"/admin/jobs/{job['id']}"
    assert {n: instance_of(api, n)["version"] for n in (first, second)} == {first: 1, second: 1}
    while jobs.run_batch(db.session):
        pass
    done = api.as_("admin").get(job["links"]["job"]).get_json()
    assert done["status"] == "done" and done["counts"] == {"ok": 0, "failed": 0, "refused": 2}
    problems = {p["instance_id"]: p["message"] for p in done["problems"]}
    assert "sign_notice" in problems[first_id] and "sign_notice" in problems[second_id]
    versions = {n: instance_of(api, n)["version"] for n in (first, second)}
    assert versions == {first: 1, second: 1}
    assert db.session.get(Instance, second_id) is not None
    assert db.session.scalars(select(Timer).where(Timer.instance_id == second_id, Timer.state == "waiting")).all()


def test_migration_input_is_checked(api: Api, pack: None) -> None:
    number = inquiry(api)
    iid = show(api, number)["instance_id"]
    post = api.as_("admin").post
    assert post(f"/api/v1/instances/{iid}/migrate", json={"to_version": 1}).status_code == 422  # no reason
    assert post(f"/api/v1/instances/{iid}/migrate", json={"reason": "x y z"}).status_code == 422
    assert post(f"/api/v1/instances/{iid}/migrate", json={"to_version": 9, "reason": "to nowhere"}).status_code == 404
    assert api.as_("owner").post(f"/api/v1/instances/{iid}/migrate",
                                 json={"to_version": 1, "reason": "not mine"}).status_code == 403
    assert api.as_("admin").post("/api/v1/instances/bulk/migrate",
                                 json={"to_version": 1, "reason": "no filter"}).status_code == 422


def test_a_bulk_dry_run_is_paged_and_says_where_the_next_page_starts(api: Api, pack: None) -> None:
    numbers = [inquiry(api, f"1380000001{i}") for i in range(3)]
    ids = sorted(show(api, n)["instance_id"] for n in numbers)
    assert post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)}).status_code == 201
    body = {"filter": {"process": "complaint", "version": 1}, "to_version": 2, "reason": "T1 is 4 hours now",
            "dry_run": True, "limit": 2}
    page = api.as_("admin").post("/api/v1/instances/bulk/migrate", json=body).get_json()
    assert [i["instance"] for i in page["items"]] == ids[:2] and page["total"] == 3
    assert page["next_after"] == ids[1] and f'"after": {ids[1]}' in page["message"]
    page = api.as_("admin").post("/api/v1/instances/bulk/migrate", json=body | {"after": ids[1]}).get_json()
    assert [i["instance"] for i in page["items"]] == ids[2:] and page["next_after"] is None
    assert api.as_("admin").post("/api/v1/instances/bulk/migrate", json=body | {"limit": 201}).status_code == 422
    assert api.as_("admin").post("/api/v1/instances/bulk/migrate", json=body | {"to_version": 9}).status_code == 404
    assert {instance_of(api, n)["version"] for n in numbers} == {1}  # a dry run moves nothing
    nothing = body | {"dry_run": False, "filter": {"process": "complaint", "version": 2}}
    r = api.as_("admin").post("/api/v1/instances/bulk/migrate", json=nothing | {"to_version": 1})
    assert r.status_code == 422 and "no running instance" in r.get_json()["error"]["message"]
