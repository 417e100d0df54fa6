"""Users and groups kept by administrators in the browser and the API (issue 13 item 1: "Users and groups are
kept there too (create, deactivate, reset password, memberships, who supervises whom)"): admin only, audited,
bad input refused with a 4xx that says what to fix."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import PASSWORD, Api
from tests.web.conftest import Web
from webapp.admin.models import AuditEntry
from webapp.extensions import db
from webapp.models import ApiToken, User


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A browser-like client (CSRF, session cookie)."""
    return Web(app.test_client())


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _token(app: Flask, username: str, password: str) -> int:
    return int(app.test_client().post("/api/v1/auth/token", json={"username": username, "password": password})
               .status_code)


def test_the_api_creates_a_user_with_groups_and_a_generated_password_shown_once(app, api: Api):
    api.as_("admin")
    r = api.post("/api/v1/users", json={"username": "wang.fang", "name": "Wang Fang", "email": "wf@example.test",
                                        "groups": ["tier_1_handler"], "supervises": ["callback_staff"],
                                        "language": "zh"})
    body = r.get_json()
    assert r.status_code == 201, body
    assert (body["groups"], body["supervises"], body["language"]) == (
        ["callback_staff", "tier_1_handler"], ["callback_staff"], "zh")
    assert len(body["password"]) >= 12 and _token(app, "wang.fang", body["password"]) == 201
    assert r.headers["Cache-Control"] == "private, no-store"  # the password is shown once, never cached
    shown = api.get("/api/v1/users/wang.fang").get_json()
    assert "password" not in shown and shown["supervises"] == {"callback_staff": ["caller"]}
    [entry] = _audit("user_create")
    assert (entry.actor, entry.target, entry.instance_id) == ("admin", "user:wang.fang", None)
    assert body["password"] not in str(entry.after) and "password_hash" not in str(entry.after)
    found = api.get("/api/v1/users?q=WANG").get_json()["items"]
    assert [u["username"] for u in found] == ["wang.fang"]
    assert [u["username"] for u in api.get("/api/v1/users?group=callback_staff").get_json()["items"]] == [
        "caller", "wang.fang"]


def test_bad_user_input_is_refused_with_what_to_fix_and_nothing_is_stored(api: Api):
    api.as_("admin")
    cases = [({"username": "agent"}, 409, "already exists"), ({"username": "AGENT"}, 409, "already exists"),
             ({"username": "li", "groups": ["nowhere"]}, 422, "unknown group: nowhere"),
             ({"username": "li", "supervises": ["ghosts"]}, 422, "unknown group: ghosts"),
             ({"username": "li", "email": "not-mail"}, 422, "not an e-mail address"),
             ({"username": "li", "password": "short"}, 422, "password too short"),
             ({"username": "li lei"}, 422, "invalid username"), ({"username": ""}, 422, "give a username"),
             ({"username": "li", "language": "fr"}, 422, "")]
    for body, status, text in cases:
        r = api.post("/api/v1/users", json=body)
        assert r.status_code == status and text in r.get_json()["error"]["message"], (body, r.get_json())
    assert db.session.scalars(select(User).where(User.username.in_(["li", "li lei", "AGENT"]))).all() == []
    assert _audit("user_create") == []
    assert api.as_("supervisor").get("/api/v1/users").status_code == 403
    assert api.as_("supervisor").post("/api/v1/users", json={"username": "x1"}).status_code == 403
    assert api.as_("admin").get("/api/v1/users/nobody").status_code == 404


def test_deactivate_revokes_access_reactivate_and_reset_password_restore_it(app, api: Api):
    api.as_("handler1").get("/api/v1/tasks")  # handler1 holds a token
    assert db.session.scalars(select(ApiToken).join(User).where(User.username == "handler1")).all()
    api.as_("admin")
    r = api.post("/api/v1/users/handler1/deactivate", json={"reason": "left the company"})
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert api.as_("handler1").get("/api/v1/tasks").status_code == 401  # the token is revoked
    assert _token(app, "handler1", PASSWORD) == 401
    api.as_("admin")
    assert api.post("/api/v1/users/handler1/deactivate", json={}).status_code == 409
    assert api.post("/api/v1/users/admin/deactivate", json={}).get_json()["error"]["message"] == (
        "you cannot deactivate yourself; ask another administrator")
    assert api.post("/api/v1/users/handler1/reactivate", json={"reason": "back"}).get_json()["active"] is True
    r = api.post("/api/v1/users/handler1/password", json={})
    generated = r.get_json()["password"]
    assert _token(app, "handler1", PASSWORD) == 401 and _token(app, "handler1", generated) == 201
    assert api.post("/api/v1/users/handler1/password", json={"password": "abc"}).status_code == 422
    assert api.post("/api/v1/users/handler1/password", json={"password": "a-new-pass-1"}).get_json() == {
        "username": "handler1"}
    assert [e.reason for e in _audit("user_deactivate")] == ["left the company"]
    assert [e.action for e in _audit("user_reactivate")] == ["user_reactivate"]
    assert len(_audit("password_reset")) == 2


def test_memberships_change_and_the_last_admin_cannot_lose_the_role(api: Api):
    api.as_("admin")
    r = api.client.patch("/api/v1/users/handler1", json={"groups": ["tier_2_handler"], "supervises": ["sales"]},
                         headers=api._headers())
    assert r.status_code == 200 and r.get_json()["groups"] == ["sales", "tier_2_handler"], r.get_json()
    assert api.get("/api/v1/users/outsider").get_json()["supervised_by"] == ["handler1"]
    r = api.client.patch("/api/v1/users/admin", json={"groups": ["sales"]}, headers=api._headers())
    assert r.status_code == 409 and "last active administrator" in r.get_json()["error"]["message"]
    r = api.client.patch("/api/v1/users/handler1", json={"groups": ["tier_2_handler"], "supervises": ["sales"]},
                         headers=api._headers())
    assert r.status_code == 422 and r.get_json()["error"]["message"] == "nothing changed"
    [entry] = _audit("user_update")
    assert entry.before["groups"] == ["tier_1_handler"] and entry.after["supervises"] == ["sales"]


def test_groups_list_flags_a_group_with_no_active_member_and_groups_can_be_added(api: Api):
    api.as_("admin")
    assert api.post("/api/v1/users/finance/deactivate", json={"reason": "left"}).status_code == 200
    groups = {g["key"]: g for g in api.get("/api/v1/groups").get_json()["items"]}
    assert groups["finance"]["no_active_member"] is True and groups["finance"]["inactive_members"] == ["finance"]
    assert groups["tier_1_handler"]["supervisors"] == ["supervisor"] and not groups["tier_1_handler"][
        "no_active_member"]
    r = api.post("/api/v1/groups", json={"key": "after_sales", "name": "After-sales"})
    assert r.status_code == 201
    assert api.post("/api/v1/groups", json={"key": "after_sales"}).status_code == 409
    assert api.post("/api/v1/groups", json={"key": "After Sales"}).status_code == 422
    assert {g["key"]: g for g in api.get("/api/v1/groups").get_json()["items"]}["after_sales"]["no_active_member"]
    assert [e.target for e in _audit("group_create")] == ["group:after_sales"]


def test_the_users_pages_create_edit_deactivate_and_flag_groups(web: Web):
    web.login("admin")
    page = web.text("/admin/users?q=handler")
    assert "handler1" in page and "handler2" in page and ">agent<" not in page
    web.get("/admin/users")
    r = web.post("/admin/users", {"username": "zhao", "name": "Zhao Lei", "email": "zhao@example.test",
                                  "language": "en", "memberships": "1", "groups": ["tier_1_handler"]})
    html = r.get_data(as_text=True)
    assert r.status_code == 201 and 'data-testid="generated-password"' in html
    assert re.search(r"<code>[A-Za-z0-9_-]{16}</code>", html)
    r = web.post("/admin/users", {"username": "zhao", "memberships": "1"})
    assert r.status_code == 409 and "user &#39;zhao&#39; already exists" in r.get_data(as_text=True)
    r = web.post("/admin/users", {"username": "qian", "memberships": "1", "groups": ["nowhere"]})
    assert r.status_code == 422 and "unknown group: nowhere" in r.get_data(as_text=True)
    r = web.post("/admin/users/zhao", {"name": "Zhao Lei", "email": "zhao@example.test", "language": "zh",
                                       "memberships": "1", "groups": ["tier_1_handler"],
                                       "supervises": ["callback_staff"]})
    assert r.status_code == 303
    page = web.text("/admin/users/zhao")
    assert "callback_staff</strong>: caller" in page and "Supervised by" in page
    assert web.post("/admin/users/zhao/deactivate", {"reason": "test"}).status_code == 303
    assert 'data-testid="inactive"' in web.text("/admin/users/zhao")
    r = web.post("/admin/users/zhao/password", {"password": ""})
    assert r.status_code == 200 and 'data-testid="generated-password"' in r.get_data(as_text=True)
    assert web.post("/admin/users/zhao/explode", {}).status_code == 404
    assert web.post("/admin/users/zhao/reactivate", {}, csrf=False).status_code == 400
    groups = web.text("/admin/groups")
    assert 'data-group="finance"' in groups and "no active member" not in groups.split('data-group="finance"')[1][:400]
    web.post("/admin/users/finance/deactivate", {"reason": "left"})
    groups = web.text("/admin/groups")
    assert 'data-testid="no-active-member"' in groups.split('data-group="finance"')[1][:600]
    assert web.post("/admin/groups", {"key": "Bad Key"}).status_code == 422


def test_other_staff_cannot_open_the_users_pages(web: Web):
    web.login("supervisor")
    assert web.get("/admin/users").status_code == 403
    assert web.get("/admin/groups").status_code == 403
    assert web.post("/admin/users", {"username": "x9"}).status_code == 403


def test_the_users_pages_speak_chinese(web: Web):
    web.login("admin")
    web.post("/language", {"language": "zh", "next": "/"})
    page = web.text("/admin/users")
    assert "添加用户" in page and "用户名、姓名或电子邮件" in page
    assert "主管" in web.text("/admin/groups") and "成员" in web.text("/admin/groups")
    # validation messages from the catalogue too (the API keeps them English)
    r = web.post("/admin/users", {"username": "agent", "memberships": "1"})
    assert r.status_code == 409 and "用户“agent”已存在；请换一个用户名" in r.get_data(as_text=True)
    r = web.post("/admin/users", {"username": "qian", "memberships": "1", "groups": ["nowhere"]})
    assert r.status_code == 422 and "未知的组：nowhere" in r.get_data(as_text=True)
    r = web.post("/admin/groups", {"key": "Bad Key"})
    assert r.status_code == 422 and "组键只能包含小写字母" in r.get_data(as_text=True)
