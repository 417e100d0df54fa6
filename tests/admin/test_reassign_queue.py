"""Admin reassign offers and accepts only the members of the task's queue (the supervisors when nobody works in it)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.helpers import open_task, register, user
from tests.web.conftest import Web
from webapp.admin import actions as admin
from webapp.admin.queue import candidates
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import HumanTask, User


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    return Web(app.test_client())


def offered(html: str) -> list[str]:
    """The usernames of the page's reassign 'To' list."""
    select = re.search(r'<select name="username" data-testid="reassign-to">(.*?)</select>', html, re.S)
    assert select, "no reassign list"
    return re.findall(r'<option value="([^"]+)"', select[1])


def test_the_to_list_offers_the_members_of_the_tasks_queue_only(mini, web):
    case = register()
    task = open_task(case)
    assert task.group_key == "tier_1_handler"
    web.login("admin")
    html = web.text(f"/admin/instances/{case.instance_id}")
    assert offered(html) == ["handler1", "handler1b", "supervisor"]  # the supervisor of the group is in it
    assert 'data-testid="reassign-fallback"' not in html


def test_reassign_to_a_non_member_is_refused_on_the_page_and_in_the_api(mini, web, api):
    case = register()
    task = open_task(case)
    web.login("admin")
    web.get(f"/admin/instances/{case.instance_id}")
    r = web.post(f"/admin/instances/{case.instance_id}/do/reassign",
                 {"task_id": str(task.id), "username": "handler2", "reason": "cover"})
    assert r.status_code == 422
    assert "handler2 is not a member of" in r.get_data(as_text=True)
    r = api.as_("admin").post(f"/api/v1/instances/{case.instance_id}/reassign",
                              json={"reason": "cover", "task_id": task.id, "username": "admin"})
    assert r.status_code == 422
    body = r.get_json()["error"]
    assert body["message"].startswith("admin is not a member of") and "handler1, handler1b, supervisor" in \
        body["message"]
    assert db.session.get(HumanTask, task.id).assignee is None


def test_a_queue_with_no_active_member_offers_the_service_supervisors(mini, web):
    case = register()
    task = open_task(case)
    for name in ("handler1", "handler1b"):
        db.session.scalars(db.select(User).where(User.username == name)).one().is_active = False
    supervisor = db.session.scalars(db.select(User).where(User.username == "supervisor")).one()
    supervisor.memberships = [m for m in supervisor.memberships if m.group.key == "service_supervisor"]
    db.session.commit()
    found = candidates(db.session, db.session.get(HumanTask, task.id))
    assert (found.fallback, found.usernames) == (True, {"supervisor"})
    web.login("admin")
    html = web.text(f"/admin/instances/{case.instance_id}")
    assert offered(html) == ["supervisor"] and 'data-testid="reassign-fallback"' in html
    with pytest.raises(Invalid, match="handler2 is not a service supervisor"):
        admin.reassign(db.session, case.instance_id, user("admin"), "cover", task.id, "handler2")
    admin.reassign(db.session, case.instance_id, user("admin"), "nobody left in tier 1", task.id, "supervisor")
    assert db.session.get(HumanTask, task.id).assignee == "supervisor"


def test_a_department_queue_offers_its_members_and_head(app):
    from webapp.admin.queue import queue_members
    from webapp.masterdata.models import MasterItem

    for name in ("ann", "bob", "cid"):
        db.session.add(User(username=name, display_name=name.title(), password_hash="x"))
    db.session.add(MasterItem(kind="department", key="after_sales", name_en="After-sales", active=True,
                              attrs={"head": "ann", "members": ["bob"]}))
    db.session.commit()
    assert queue_members(db.session, "department:after_sales") == [("ann", "Ann"), ("bob", "Bob")]
    assert queue_members(db.session, "department_head:after_sales") == [("ann", "Ann")]
