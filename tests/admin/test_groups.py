"""The users list a page at a time, and groups renamed or deleted the safe way: the key stays (diagrams, open tasks,
settings and permission checks name it), the display name changes everywhere the group is named, and a group is
deleted only when nothing uses it, otherwise a 409 says what still does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import Api
from tests.helpers import GRIEVANCE, open_task, register, user
from tests.web.conftest import Web
from webapp.accounts.group_changes import PERMISSION_GROUPS
from webapp.admin.models import AuditEntry
from webapp.extensions import db
from webapp.models import Group, Outbox, User
from webapp.web.i18n import group_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A browser-like client (CSRF, session cookie)."""
    return Web(app.test_client())


def _call(api: Api, method: str, url: str, body: Any = None) -> Any:
    return getattr(api.client, method)(url, json=body, headers=api._headers())


def test_the_users_list_pages_by_username_and_searches_by_name_or_login(app, web: Web, api: Api):
    db.session.add_all(User(username=f"temp{n:03d}", display_name=f"Temp Worker {n}", password_hash="x")
                       for n in range(110))
    db.session.commit()
    everyone = sorted(db.session.scalars(select(User.username)))
    api.as_("admin")
    seen, after = [], None
    while True:
        body = api.get("/api/v1/users", query_string={"limit": 40, **({"after": after} if after else {})}).get_json()
        seen += [u["username"] for u in body["items"]]
        assert len(body["items"]) <= 40
        after = body["next_after"]
        if after is None:
            break
    assert seen == everyone  # every user once, in order, over four pages
    assert [u["username"] for u in api.get("/api/v1/users?q=worker 17").get_json()["items"]] == ["temp017"]
    assert api.get("/api/v1/users?limit=0").status_code == 200  # 0: the default page
    assert len(api.get("/api/v1/users?limit=9999").get_json()["items"]) == len(everyone)  # capped at 500
    web.login("admin")
    first = web.text("/admin/users")
    rows = re.findall(r'<tr data-user="([^"]+)"', first)
    assert rows == everyone[:100] and 'data-testid="users-next"' in first
    nxt = re.search(r'href="([^"]+)" data-testid="users-next"', first).group(1).replace("&amp;", "&")
    second = web.text(nxt)
    assert re.findall(r'<tr data-user="([^"]+)"', second) == everyone[100:]
    assert 'data-testid="users-next"' not in second and 'data-testid="users-first"' in second
    by_name = web.text("/admin/users?q=Temp+Worker+10")
    assert re.findall(r'<tr data-user="([^"]+)"', by_name) == ["temp010", "temp100", "temp101", "temp102",
                                                               "temp103", "temp104", "temp105", "temp106",
                                                               "temp107", "temp108", "temp109"]
    assert re.findall(r'<tr data-user="([^"]+)"', web.text("/admin/users?q=HANDLER2")) == ["handler2"]


def test_a_renamed_group_keeps_its_key_members_and_tasks_and_is_named_anew_everywhere(app, pack, web: Web,
                                                                                       api: Api):
    case = register(GRIEVANCE)
    task = open_task(case)
    queue = task.group_key
    members = sorted(user.username for user in db.session.scalars(
        select(User).where(User.memberships.any())) if queue in user.group_keys)
    web.login("admin")
    assert web.post(f"/admin/groups/{queue}/rename", {"name": "Front desk", "reason": "new org chart"}
                    ).status_code == 303
    db.session.expire_all()
    group = db.session.scalars(select(Group).where(Group.key == queue)).one()
    assert group.name == "Front desk" and sorted(m.user.username for m in group.memberships) == members
    assert open_task(case).group_key == queue  # the open task stays in the same queue
    with app.test_request_context("/"):
        assert group_name(queue) == "Front desk"
        assert group_name("tier_2_handler") == "Tier-2 handlers"  # not renamed: the translated label
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "group_rename")).one()
    assert (entry.target, entry.reason, entry.after) == (f"group:{queue}", "new org chart",
                                                         {"key": queue, "name": "Front desk"})
    api.as_("admin")
    r = _call(api, "patch", f"/api/v1/groups/{queue}", {"key": "front_desk", "name": "Front"})
    assert r.status_code == 422 and "key cannot change" in r.get_json()["error"]["message"]
    assert _call(api, "patch", "/api/v1/groups/nowhere", {"name": "X"}).status_code == 404
    assert _call(api, "patch", f"/api/v1/groups/{queue}", {"name": ""}).status_code == 422
    r = _call(api, "patch", f"/api/v1/groups/{queue}", {"name": "Front office"})
    assert r.status_code == 200 and r.get_json() == {"key": queue, "name": "Front office"}


def test_a_group_still_in_use_is_not_deleted_and_the_refusal_says_what_uses_it(app, pack, web: Web, api: Api):
    case = register(GRIEVANCE)
    api.as_("admin")
    r = _call(api, "delete", "/api/v1/groups/tier_1_handler")
    message = r.get_json()["error"]["message"]
    assert r.status_code == 409 and "deployed diagram Grievance handling (six steps) v1" in message
    assert "decision table tier_decision.dmn" in message and "rename it instead" in message
    assert "Assessment v1" not in message  # only the processes whose own diagram names the group
    r = _call(api, "delete", "/api/v1/groups/admin")
    assert r.status_code == 409 and "grants rights to it" in r.get_json()["error"]["message"]
    assert _call(api, "post", "/api/v1/groups", {"key": "night_shift", "name": "Night shift"}).status_code == 201
    _call(api, "patch", "/api/v1/users/handler1", {"groups": ["tier_1_handler", "night_shift"]})
    task = open_task(case)
    task.group_key = "night_shift"  # a queue an expression chose at run time (assignGroup = handler_group)
    db.session.add(Outbox(channel="in_app", recipient="group:night_shift", template="x", payload={},
                          idempotency_key="k-night", status="pending"))
    db.session.commit()
    web.login("admin")
    web.post("/language", {"language": "zh", "next": "/"})
    r = web.post("/admin/groups/night_shift/delete", {"reason": "merged"})
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "night_shift" in page
    assert "队列中的待办任务：1" in page and "等待投递给它的消息：1" in page
    task.group_key = "tier_1_handler"
    db.session.execute(Outbox.__table__.delete().where(Outbox.idempotency_key == "k-night"))
    db.session.commit()
    r = _call(api, "delete", "/api/v1/groups/night_shift", {"reason": "merged into tier 1"})
    assert r.status_code == 200 and r.get_json() == {"key": "night_shift", "removed_members": ["handler1"]}
    db.session.expire_all()
    assert user("handler1").group_keys == {"tier_1_handler"}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "group_delete")).one()
    assert entry.before == {"key": "night_shift", "name": "Night shift", "members": ["handler1"]}
    assert entry.reason == "merged into tier 1"
    assert _call(api, "delete", "/api/v1/groups/night_shift").status_code == 404


def test_every_group_the_code_grants_rights_to_is_kept_from_deletion():
    """A role check added anywhere (views, templates, role constants) must name a group in PERMISSION_GROUPS."""
    named: set[str] = set()
    call = re.compile(r"(?:has_role|role_required|require)\(([^)]*)\)")
    for path in [*ROOT.joinpath("webapp").rglob("*.py"), *ROOT.joinpath("webapp", "templates").rglob("*.html")]:
        for args in call.findall(path.read_text(encoding="utf-8")):
            named.update(re.findall(r"""["']([a-z_]+)["']""", args))
    from webapp.accounts.visibility import ALL_CASE_READERS
    from webapp.assessments.service import DECIDERS, EXECUTORS, VIEWERS
    from webapp.reports.readers import MANAGERS

    named.update(ALL_CASE_READERS, DECIDERS, EXECUTORS, VIEWERS, MANAGERS)
    named -= {"moddle"}  # require('moddle') in the studio's JavaScript bundle
    assert named and named <= PERMISSION_GROUPS, named - PERMISSION_GROUPS
