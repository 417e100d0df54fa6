"""REST API v1: every endpoint, every refusal (401/403/404/409/422)."""

from __future__ import annotations

import io

import pytest

from tests.conftest import FIXTURES
from tests.helpers import GRIEVANCE

ENDPOINTS = [
    ("GET", "/api/v1/cases", None),
    ("POST", "/api/v1/cases", None),
    ("GET", "/api/v1/cases/CL-2026-000001", None),
    ("GET", "/api/v1/tasks", None),
    ("GET", "/api/v1/tasks/1", None),
    ("POST", "/api/v1/tasks/1/claim", None),
    ("POST", "/api/v1/tasks/1/unclaim", None),
    ("POST", "/api/v1/tasks/1/assign", None),
    ("POST", "/api/v1/tasks/1/complete", None),
    ("GET", "/api/v1/instances", "admin"),
    ("GET", "/api/v1/instances/1", "admin"),
    ("GET", "/api/v1/processes", "process_owner"),
    ("POST", "/api/v1/processes", "process_owner"),
]


@pytest.mark.parametrize(("method", "url", "role"), ENDPOINTS)
def test_every_endpoint_needs_a_valid_token(api, method, url, role):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        r = api.client.open(url, method=method, headers=headers, json={})
        assert r.status_code == 401, (url, headers)
        assert r.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "url", "role"), [e for e in ENDPOINTS if e[2]])
def test_role_endpoints_refuse_other_roles(api, method, url, role):
    for username in ("agent", "handler1", "supervisor", "outsider"):
        r = api.as_(username).client.open(url, method=method, headers=api.as_(username)._headers(), json={})
        assert r.status_code == 403, (url, username)
        assert role in r.get_json()["error"]["message"]


def test_token_endpoint(api):
    assert api.client.post("/api/v1/auth/token", json={"username": "agent", "password": "wrong"}).status_code == 401
    assert api.client.post("/api/v1/auth/token", json={"username": "agent"}).status_code == 422
    r = api.client.post("/api/v1/auth/token", json={"username": "agent", "password": "test-pass-123"})
    assert r.status_code == 201 and len(r.get_json()["token"]) > 30


def test_login_lockout_after_repeated_failures(api):
    for _ in range(5):
        api.client.post("/api/v1/auth/token", json={"username": "caller", "password": "nope-nope"})
    r = api.client.post("/api/v1/auth/token", json={"username": "caller", "password": "test-pass-123"})
    assert r.status_code == 401 and "locked" in r.get_json()["error"]["message"]


def test_register_case_validation_names_each_field_and_writes_nothing(api, mini):
    r = api.as_("agent").post("/api/v1/cases", json={"channel": "pigeon", "customer": {}, "facts": {"households": 0}})
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert set(fields) >= {"channel", "customer.name", "description", "facts.households"}
    assert "phone" in fields["channel"]  # lists the allowed channels
    assert api.get("/api/v1/cases").get_json()["items"] == []
    assert api.as_("agent").post("/api/v1/cases", data="x", content_type="text/plain").status_code == 422


def test_register_list_show_case(api, mini):
    r = api.as_("agent").post("/api/v1/cases", json=GRIEVANCE)
    assert r.status_code == 201
    body = r.get_json()
    assert body["number"].startswith("CL-2") and body["grade"] == "G4" and body["tier"] == 1
    assert body["status"] == "open" and body["kind"] == "grievance"
    listed = api.get("/api/v1/cases?grade=G4&q=Li").get_json()["items"]
    assert [c["number"] for c in listed] == [body["number"]]
    assert api.get("/api/v1/cases?grade=G1").get_json()["items"] == []
    shown = api.get(f"/api/v1/cases/{body['number']}").get_json()
    assert [e["kind"] for e in shown["history"]][:2] == ["case_registered", "instance_started"]
    assert shown["deadlines"][0]["element"] == "late"
    assert api.get("/api/v1/cases/CL-1999-999999").status_code == 404


def test_case_list_keyset_paging(api, mini):
    numbers = [api.as_("agent").post("/api/v1/cases", json=GRIEVANCE).get_json()["number"] for _ in range(5)]
    page1 = api.get("/api/v1/cases?limit=2").get_json()
    page2 = api.get(f"/api/v1/cases?limit=2&cursor={page1['next_cursor']}").get_json()
    page3 = api.get(f"/api/v1/cases?limit=2&cursor={page2['next_cursor']}").get_json()
    seen = [c["number"] for p in (page1, page2, page3) for c in p["items"]]
    assert seen == list(reversed(numbers)) and page3["next_cursor"] is None


def test_task_actions_and_refusals(api, mini):
    number = api.as_("agent").post("/api/v1/cases", json=GRIEVANCE).get_json()["number"]
    task = api.get(f"/api/v1/cases/{number}").get_json()["open_tasks"][0]
    tid = task["id"]
    assert api.as_("handler1").get("/api/v1/tasks?scope=group").get_json()["items"][0]["id"] == tid
    assert api.as_("handler2").get("/api/v1/tasks?scope=group").get_json()["items"] == []
    detail = api.as_("handler1").get(f"/api/v1/tasks/{tid}").get_json()
    assert detail["form_schema"]["required"] == ["cause"]
    assert api.as_("outsider").get(f"/api/v1/tasks/{tid}").status_code == 403
    assert api.as_("outsider").post(f"/api/v1/tasks/{tid}/claim").status_code == 403
    assert api.as_("handler1").post(f"/api/v1/tasks/{tid}/claim").get_json()["assignee"] == "handler1"
    assert api.as_("handler1b").post(f"/api/v1/tasks/{tid}/claim").status_code == 409
    assert api.as_("handler1b").post(f"/api/v1/tasks/{tid}/complete", json={"cause": "x"}).status_code == 403
    assert api.as_("handler1").get("/api/v1/tasks?scope=mine").get_json()["items"][0]["id"] == tid
    assert api.as_("handler1b").post(f"/api/v1/tasks/{tid}/unclaim").status_code == 403
    assert api.as_("handler1").post(f"/api/v1/tasks/{tid}/assign", json={"username": "handler1b"}).status_code == 403
    r = api.as_("supervisor").post(f"/api/v1/tasks/{tid}/assign", json={"username": "handler1b"})
    assert r.status_code == 200 and r.get_json()["assignee"] == "handler1b"
    assert api.as_("supervisor").post(f"/api/v1/tasks/{tid}/assign", json={"username": "gm"}).status_code == 409
    assert api.as_("supervisor").post(f"/api/v1/tasks/{tid}/assign", json={"username": "ghost"}).status_code == 404
    assert api.as_("supervisor").post(f"/api/v1/tasks/{tid}/assign", json={}).status_code == 422
    r = api.as_("handler1b").post(f"/api/v1/tasks/{tid}/complete", json={"cause": ""})
    assert r.status_code == 422 and "cause" in r.get_json()["error"]["fields"]
    r = api.as_("handler1b").post(f"/api/v1/tasks/{tid}/complete", json={"data": {"cause": "rush hour"}})
    assert r.status_code == 200
    assert [t["title"] for t in r.get_json()["next_tasks"]] == ["Agree the solution"]
    assert api.as_("handler1b").post(f"/api/v1/tasks/{tid}/complete", json={"cause": "x"}).status_code == 409
    assert api.as_("handler1").get("/api/v1/tasks/999999").status_code == 404
    assert api.as_("handler1").get("/api/v1/tasks?scope=everything").status_code == 422
    assert api.as_("handler1").get("/api/v1/tasks?scope=team").status_code == 403
    assert api.as_("supervisor").get("/api/v1/tasks?scope=team").status_code == 200


def test_instances_for_admins(api, mini):
    number = api.as_("agent").post("/api/v1/cases", json=GRIEVANCE).get_json()["number"]
    iid = api.get(f"/api/v1/cases/{number}").get_json()["instance_id"]
    items = api.as_("admin").get("/api/v1/instances?status=user_input").get_json()["items"]
    assert [i["id"] for i in items] == [iid]
    one = api.as_("admin").get(f"/api/v1/instances/{iid}").get_json()
    assert one["status"] == "user_input" and one["version"] == 1 and one["timers"][0]["element"] == "late"
    assert api.as_("admin").get("/api/v1/instances?status=bogus").status_code == 422
    assert api.as_("admin").get("/api/v1/instances/424242").status_code == 404


def _upload(api, files):
    data = {"files": [(io.BytesIO(content), name) for name, content in files.items()]}
    return api.as_("owner").client.post("/api/v1/processes", data=data, headers=api.as_("owner")._headers(),
                                         content_type="multipart/form-data")


def test_process_upload_new_version_or_every_problem(api, mini):
    files = {p.name: p.read_bytes() for p in (FIXTURES / "processes").iterdir()}
    files.update({p.name: p.read_bytes() for p in (FIXTURES / "forms").iterdir()})
    assert _upload(api, files).status_code == 200  # identical to what `mini` deployed: no new version
    files["mini.bpmn"] = files["mini.bpmn"].replace(b'value="PT4H"', b'value="PT2H"')
    r = _upload(api, files)
    assert r.status_code == 201 and r.get_json()["deployed"][0]["version"] == 2
    bad = dict(files)
    bad["mini.bpmn"] = bad["mini.bpmn"].replace(b"<bpmn:flowNodeRef>followup</bpmn:flowNodeRef>", b"")
    bad["facts.json"] = b"{\"type\": 5}"
    r = _upload(api, bad)
    assert r.status_code == 422
    assert r.get_json()["error"]["code"] == "invalid"
    problems = r.get_json()["error"]["problems"]
    assert {p["element"] for p in problems} >= {"followup", "fact_finding"}
    versions = api.as_("owner").get("/api/v1/processes").get_json()["items"]
    assert [v["version"] for v in versions] == [2, 1]
    assert _upload(api, {"notes.txt": b"hi"}).status_code == 422
    only_diagram = {"mini.bpmn": files["mini.bpmn"].replace(b'value="PT2H"', b'value="PT1H"'),
                    "mini_grade.dmn": files["mini_grade.dmn"]}
    r = _upload(api, only_diagram)  # the forms already deployed are reused
    assert r.status_code == 201 and r.get_json()["deployed"][0]["version"] == 3


def test_solved_on_the_spot_needs_the_solution_in_the_api_too(api, mini):
    r = api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, "solved_on_the_spot": True})
    assert r.status_code == 422
    assert r.get_json()["error"]["fields"] == {"solution_on_the_spot": "Say how it was solved."}
    r = api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, "solved_on_the_spot": True,
                                                     "solution_on_the_spot": "   "})
    assert r.status_code == 422 and api.get("/api/v1/cases").get_json()["items"] == []
    r = api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, "solved_on_the_spot": True,
                                                     "solution_on_the_spot": "Apologised"})
    assert r.status_code == 201


def test_opening_a_task_or_a_case_does_not_read_the_process_diagrams(api, mini):
    """The diagrams and forms of a version (hundreds of KB) come from the per-version caches, not with each row."""
    from sqlalchemy import event

    from webapp.extensions import db

    number = api.as_("agent").post("/api/v1/cases", json=GRIEVANCE).get_json()["number"]
    tid = api.get(f"/api/v1/cases/{number}").get_json()["open_tasks"][0]["id"]
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert api.as_("handler1").get(f"/api/v1/tasks/{tid}").get_json()["form_schema"]["required"] == ["cause"]
        assert api.get(f"/api/v1/cases/{number}").status_code == 200
        done = api.post(f"/api/v1/tasks/{tid}/complete", json={"data": {"cause": "rush hour"}})
        assert done.status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements and not [s for s in statements if "process_definition.files" in s
                               or "process_definition_1.files" in s], statements
