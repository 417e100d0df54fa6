"""Every page for every role: who is allowed, who gets the 403 page, and that signed-out users go to sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import USERS
from tests.helpers import register
from webapp.extensions import db
from webapp.models import HumanTask

ROLES = [name for name, _, _ in USERS]
# who may open the tier-1 task 'Find the facts': its group, the group's supervisor, admins
TASK_VIEWERS = {"handler1", "handler1b", "supervisor", "admin"}
TEAM_VIEWERS = {"supervisor", "gm", "admin"}
STAFF_PAGES = ["/", "/?tab=group", "/?tab=overdue", "/cases/new", "/cases/", "/notices/", "/account"]


@pytest.fixture
def case(mini: Any) -> Any:
    """One registered grievance waiting in the tier-1 queue."""
    return register()


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(role: str, web: Any, case: Any) -> None:
    web.login(role)
    for url in STAFF_PAGES:
        if url == "/" and role == "admin":  # an administrator's home is the admin console
            r = web.get(url)
            assert r.status_code == 302 and r.headers["Location"].endswith("/admin/"), r.headers.get("Location")
            continue
        assert web.get(url).status_code == 200, (role, url)
    # case visibility (README "Security"): the handling group, the registrar, supervisors, managers, admins
    readers = {"agent", "handler1", "handler1b", "supervisor", "techsup", "gm", "depthead", "admin"}
    assert web.get(f"/cases/{case.number}").status_code == (200 if role in readers else 404), role
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    r = web.get(f"/tasks/{task.id}")
    if role in TASK_VIEWERS:
        assert r.status_code == 200, role
    else:
        assert r.status_code == 403, role
        assert "Tier-1 handlers" in r.get_data(as_text=True) and "Traceback" not in r.get_data(as_text=True)
    team = web.text("/?tab=team")
    assert ('data-testid="tab-team"' in team) == (role in TEAM_VIEWERS), role


@pytest.mark.parametrize("role", ROLES)
def test_claim_and_assign_by_role(role: str, web: Any, case: Any) -> None:
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    web.login(role)
    web.get("/?tab=group")
    web.post(f"/tasks/{task.id}/assign", {"username": "handler1b", "next": "/"})
    db.session.expire_all()
    assigned = db.session.get(HumanTask, task.id).assignee == "handler1b"
    assert assigned == (role in {"supervisor", "admin"}), role
    if assigned:
        return
    web.post(f"/tasks/{task.id}/claim", {"next": "/"})
    db.session.expire_all()
    claimed = db.session.get(HumanTask, task.id).assignee == role
    assert claimed == (role in {"handler1", "handler1b", "admin"}), role


def test_signed_out_users_are_sent_to_sign_in(web: Any, case: Any) -> None:
    for url in [*STAFF_PAGES, f"/cases/{case.number}", "/tasks/1", "/tasks/1/done"]:
        r = web.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url
    for url in ["/tasks/1/claim", f"/cases/{case.number}/comments"]:
        r = web.post(url, {})
        assert r.status_code == 302 and "/login" in r.headers["Location"], url
    assert web.get("/public/complaint").status_code == 200
    assert web.get("/public/status").status_code == 200
