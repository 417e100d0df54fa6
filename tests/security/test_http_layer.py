"""The HTTP layer's cheaper paths give the same answers: plain-row reads, one-query task, orjson answers,
security headers and the session signer worked out once (branch httpfast)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from itsdangerous import BadSignature
from sqlalchemy import event, update

from tests.helpers import GRIEVANCE, register
from webapp.api.shapes import task_json
from webapp.extensions import db
from webapp.models import HumanTask
from webapp.tasks import service as tasks
from webapp.tasks.worklist import SCOPES, TaskFilters, list_tasks


def _statements(app: Flask) -> tuple[list[str], Any]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()))

    return seen, count


def test_open_task_reads_the_task_with_its_instance_and_case_in_one_statement(app: Flask, api: Any,
                                                                              mini: None) -> None:
    case = register()
    db.session.commit()
    assert case.instance_id is not None
    task_id = tasks.next_task_rows(db.session, case.instance_id)[0].id
    api.as_("handler1").get(f"/api/v1/tasks/{task_id}")  # the token issued, the version's forms cached
    seen, count = _statements(app)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        r = api.get(f"/api/v1/tasks/{task_id}")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert r.status_code == 200 and r.get_json()["form_schema"]["required"] == ["cause"]
    assert r.get_json()["data"] is not None
    assert len(seen) == 2, seen  # the token with its user and groups; the task with its instance and case
    assert "JOIN instance" in seen[1] and "JOIN case_record" in seen[1]


def test_completion_answers_next_tasks_as_the_task_answer_shows_them(api: Any, mini: None) -> None:
    number = api.as_("agent").post("/api/v1/cases", json=GRIEVANCE).get_json()["number"]
    task_id = api.get(f"/api/v1/cases/{number}").get_json()["open_tasks"][0]["id"]
    done = api.as_("handler1").post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"cause": "rush hour"}})
    assert done.status_code == 200
    following = done.get_json()["next_tasks"]
    assert following, "the fixture opens a next task"
    for shown in following:
        full = api.as_("admin").get(f"/api/v1/tasks/{shown['id']}").get_json()
        assert shown == {k: v for k, v in full.items() if k not in ("form_schema", "data")}


def test_worklist_rows_answer_as_the_orm_rows_do(app: Flask, users: Any, mini: None) -> None:
    for n in range(4):
        register({**GRIEVANCE, "subject": f"Subject {n}"})
    db.session.commit()
    first = db.session.scalars(HumanTask.__table__.select().with_only_columns(HumanTask.id)).first()
    db.session.execute(update(HumanTask).where(HumanTask.id == first).values(due_at=None, assignee="handler1"))
    db.session.execute(update(HumanTask).where(HumanTask.id != first)
                       .values(due_at=datetime.now(UTC) - timedelta(hours=1)))
    db.session.commit()
    for username in ("handler1", "supervisor", "admin"):
        user = users[username]
        for scope in SCOPES:
            for limit in (1, 50):
                try:
                    orm = list_tasks(db.session, user, scope, TaskFilters(), None, limit)
                except Exception as exc:  # a scope the user may not list: the row form refuses it the same way
                    with pytest.raises(type(exc)):
                        list_tasks(db.session, user, scope, TaskFilters(), None, limit, rows=True)
                    continue
                rows = list_tasks(db.session, user, scope, TaskFilters(), None, limit, rows=True)
                assert [task_json(t) for t in rows.items] == [task_json(t) for t in orm.items], (username, scope)
                assert rows.next_cursor == orm.next_cursor
                if orm.next_cursor:
                    more = list_tasks(db.session, user, scope, TaskFilters(), orm.next_cursor, limit, rows=True)
                    again = list_tasks(db.session, user, scope, TaskFilters(), orm.next_cursor, limit)
                    assert [task_json(t) for t in more.items] == [task_json(t) for t in again.items]


def test_worklist_pages_with_filters_match_a_plain_reading(app: Flask, users: Any, mini: None) -> None:
    """The worklist's statements are built once per shape and take their values as parameters: every user, scope,
    filter and page still gets exactly the open tasks a plain reading of the table gives, in deadline order."""
    for n in range(5):
        register({**GRIEVANCE, "subject": f"Subject {n}"})
    db.session.commit()
    ids = list(db.session.scalars(HumanTask.__table__.select().with_only_columns(HumanTask.id)))
    late = datetime.now(UTC) - timedelta(hours=2)
    db.session.execute(update(HumanTask).where(HumanTask.id == ids[0]).values(due_at=None))
    db.session.execute(update(HumanTask).where(HumanTask.id == ids[1]).values(assignee="handler1", due_at=late))
    db.session.execute(update(HumanTask).where(HumanTask.id.in_(ids[2:])).values(due_at=late + timedelta(days=3)))
    db.session.commit()
    every = [t for t in db.session.query(HumanTask).filter(HumanTask.state == "open")]
    for filters in (TaskFilters(), TaskFilters(overdue=True), TaskFilters(kind="grievance"), TaskFilters(grade="G9")):
        for username, scope in (("handler1", "mine"), ("handler1", "group"), ("admin", "all"), ("supervisor", "team"),
                                ("handler1", "overdue")):
            user = users[username]
            expected = [t for t in every if _listed(t, user, scope) and _kept(t, filters)]
            expected.sort(key=lambda t: (t.due_at is None, t.due_at or late, t.id))
            for rows in (False, True):
                seen: list[int] = []
                cursor = None
                while True:
                    page = list_tasks(db.session, user, scope, filters, cursor, 2, rows=rows)
                    seen += [t.id for t in page.items]
                    if page.next_cursor is None:
                        break
                    cursor = page.next_cursor
                assert seen == [t.id for t in expected], (username, scope, filters, rows)


def _listed(task: HumanTask, user: Any, scope: str) -> bool:
    if scope == "mine":
        return task.assignee == user.username
    if scope == "group":
        return task.assignee is None and task.group_key in user.group_keys
    if scope == "overdue":  # mine and my groups' unclaimed tasks, past due
        mine = task.assignee == user.username or (task.assignee is None and task.group_key in user.group_keys)
        return mine and task.due_at is not None and task.due_at < datetime.now(UTC)
    if scope == "team":
        return task.group_key in user.supervised_keys
    return True


def _kept(task: HumanTask, f: TaskFilters) -> bool:
    overdue = f.overdue and not (task.due_at and task.due_at < datetime.now(UTC))
    return not overdue and (not f.kind or task.kind == f.kind) and (not f.grade or task.grade == f.grade)


def test_json_answers_are_flasks_json(app: Flask) -> None:
    when = datetime(2026, 12, 5, 7, 30, tzinfo=UTC)
    value = {"b": [1, 2.5, None, True], "a": "中文 <tag>", "when": when, "nested": {"z": 1, "y": {"x": "é"}}}
    provider: Any = app.json
    with app.test_request_context():
        body = provider.response(value).get_data()
        flask_text = json.dumps(value, default=provider.default, sort_keys=True, separators=(",", ":"))
        assert body.endswith(b"\n") and body.index(b'"a"') < body.index(b'"b"') < body.index(b'"nested"')
        assert json.loads(body) == json.loads(flask_text)
        assert "中文".encode() in body  # encoded by orjson: UTF-8 text, not \u escapes
        assert json.loads(body)["when"] == "Sat, 05 Dec 2026 07:30:00 GMT"  # Flask's HTTP date, not ISO
        for odd in ({"big": 2**70}, {1: "int key", 2: "another"}):  # what orjson refuses: Flask's own encoder
            assert provider.response(odd).get_data() == (json.dumps(odd, sort_keys=True, separators=(",", ":"))
                                                         + "\n").encode()
        with pytest.raises(TypeError):
            provider.response({"a set": {1}})
        provider.compact = False
        try:
            assert b'\n  "a"' in provider.response(value).get_data()
        finally:
            provider.compact = None


def test_each_endpoint_keeps_its_own_security_policy(app: Flask, users: Any, pack: None, web: Any) -> None:
    web.login("owner")
    file_url = "/processes/complaint/v/1/files/complaint.bpmn"
    for url in ("/processes/", file_url, "/processes/", file_url, "/api/v1/openapi.json"):
        r = web.get(url)
        assert r.status_code == 200, url
        csp = r.headers["Content-Security-Policy"]
        if url == file_url:
            assert csp == "default-src 'none'; sandbox ", csp
        else:
            assert "script-src 'self'" in csp and "sandbox" not in csp, (url, csp)
        assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_signer_follows_the_secret_key(app: Flask, users: Any, web: Any) -> None:
    web.login("agent")
    signed = web.client.get_cookie("session").value  # signed with the first key

    def account_with_cookie() -> int:
        web.client.set_cookie("session", signed)
        return int(web.get("/account").status_code)

    sessions = app.session_interface
    first = sessions.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert sessions.get_signing_serializer(app) is first  # type: ignore[attr-defined]  # built once per key
    assert account_with_cookie() == 200
    old = app.secret_key
    app.secret_key = "another-secret-key-for-this-test"
    try:
        assert account_with_cookie() == 302  # a cookie signed with another key is refused
        with pytest.raises(BadSignature):
            sessions.get_signing_serializer(app).loads(signed)  # type: ignore[attr-defined]
        app.config["SECRET_KEY_FALLBACKS"] = [old]  # Flask's key rotation: the old key still verifies
        assert sessions.get_signing_serializer(app).loads(signed) == first.loads(signed)  # type: ignore[attr-defined]
    finally:
        app.config["SECRET_KEY_FALLBACKS"] = []
        app.secret_key = old
    assert account_with_cookie() == 200
