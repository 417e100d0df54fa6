"""Deactivating a user from the admin pages as well as the command line: no more sign-in, API tokens revoked, the
tasks they had reserved back in their groups' queues (the admin's choice), audited either way."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import Api
from tests.helpers import GRIEVANCE, open_task, register
from tests.web.conftest import Web
from webapp.admin.models import AuditEntry
from webapp.extensions import db
from webapp.models import ApiToken, Event, User
from webapp.tasks import service as tasks


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A browser-like client (CSRF, session cookie)."""
    return Web(app.test_client())


def _worker_of(task_group: str) -> str:
    return next(u.username for u in db.session.scalars(select(User).order_by(User.username))
                if task_group in u.group_keys and not u.has_role("admin"))


def test_an_admin_deactivates_a_user_from_the_users_pages_and_their_reserved_tasks_go_back(app, pack, web: Web,
                                                                                            api: Api):
    case = register(GRIEVANCE)
    task = open_task(case)
    worker = _worker_of(str(task.group_key))
    api.as_(worker).get("/api/v1/tasks")  # holds an API token
    tasks.claim(db.session, task.id, db.session.scalars(select(User).where(User.username == worker)).one())
    web.login("admin")
    listing = web.text("/admin/users")
    assert f'href="/admin/users/{worker}#deactivate" data-testid="deactivate-{worker}"' in listing
    assert 'data-testid="deactivate-admin"' not in listing  # not oneself
    page = web.text(f"/admin/users/{worker}")
    assert re.search(rf"{worker} has reserved 1 open tasks:", page) and 'data-testid="release-tasks"' in page
    r = web.post(f"/admin/users/{worker}/deactivate", {"reason": "left the company", "release_tasks": "yes"})
    assert r.status_code == 303
    shown = web.text(r.headers["Location"])
    assert "can no longer sign in; their API tokens are revoked" in shown
    assert f"1 tasks reserved by {worker} are back in their groups&#39; queues" in shown
    db.session.expire_all()
    assert db.session.scalars(select(User).where(User.username == worker)).one().is_active is False
    assert not db.session.scalars(select(ApiToken).join(User).where(User.username == worker)).all()
    assert api.get("/api/v1/tasks").status_code == 401
    assert open_task(case).assignee is None
    released = db.session.scalars(select(Event).where(Event.kind == "task_unclaimed")).one()
    assert (released.actor, released.data) == ("admin", {"previous": worker})
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user_deactivate")).one()
    assert (entry.actor, entry.target, entry.reason) == ("admin", f"user:{worker}", "left the company")
    web.post("/language", {"language": "zh", "next": "/"})
    assert "重新启用" in web.text(f"/admin/users/{worker}")


def test_the_reserved_tasks_stay_when_the_admin_says_so(app, pack, web: Web):
    case = register(GRIEVANCE)
    task = open_task(case)
    worker = _worker_of(str(task.group_key))
    tasks.claim(db.session, task.id, db.session.scalars(select(User).where(User.username == worker)).one())
    web.login("admin")
    web.post("/language", {"language": "zh", "next": "/"})
    assert f"{worker} 预留了 1 个未完成任务" in web.text(f"/admin/users/{worker}")
    assert web.post(f"/admin/users/{worker}/deactivate", {"reason": "holiday"}).status_code == 303
    db.session.expire_all()
    assert open_task(case).assignee == worker


def test_the_command_line_deactivation_is_audited_and_keeps_the_last_admin(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["deactivate-user", "handler2", "--reason", "left"])
    assert result.exit_code == 0 and "handler2 deactivated; API tokens revoked" in result.output
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user_deactivate")).one()
    assert (entry.actor, entry.target, entry.reason) == ("cli", "user:handler2", "left")
    again = runner.invoke(args=["deactivate-user", "handler2"])
    assert again.exit_code == 1 and "handler2 is already inactive" in again.output
    last = runner.invoke(args=["deactivate-user", "admin"])
    assert last.exit_code == 1 and "admin is the last active administrator" in last.output
    assert runner.invoke(args=["deactivate-user", "nobody"]).exit_code == 1
