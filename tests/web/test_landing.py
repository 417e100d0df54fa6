"""Where each user lands after sign-in: managers on the reports (domain §8: the monthly figures are the managers'
view; README "Managers ... find the KPI reports at /reports"), staff on their worklist, process owners on their
processes, administrators on /admin; a manager with a task of their own lands on the worklist to finish it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.helpers import open_task, register
from webapp.extensions import db


def _landing(web: Any, username: str) -> str:
    web.client._cookies.clear()
    web.get("/login")
    r = web.post("/login", {"username": username, "password": PASSWORD})
    assert r.status_code == 302
    return str(r.headers["Location"])


@pytest.mark.parametrize("who", ["supervisor", "techsup", "depthead", "gm"])
def test_managers_land_on_the_reports(web: Any, who: str) -> None:
    """Domain §8 (monthly valid complaints, closure and on-time rates per project): managers read the reports."""
    assert _landing(web, who) == "/reports/"
    assert web.get("/reports/").status_code == 200


@pytest.mark.parametrize("who,where", [("agent", "/"), ("handler1", "/"), ("caller", "/"), ("finance", "/"),
                                       ("owner", "/processes/"), ("admin", "/")])
def test_staff_owners_and_admins_keep_their_landing(web: Any, who: str, where: str) -> None:
    """Staff work their worklist, owners their processes; an administrator's worklist leads on to /admin."""
    assert _landing(web, who) == where
    if who == "admin":
        assert web.get("/").headers["Location"] == "/admin/"


def test_a_manager_with_a_task_of_their_own_lands_on_the_worklist(web: Any, mini: Any) -> None:
    """A task assigned to the manager (claimed or given) is work to finish first: the worklist, not the reports."""
    case = register()
    task = open_task(case)
    task.assignee = "supervisor"
    db.session.commit()
    assert _landing(web, "supervisor") == "/"
    assert _landing(web, "gm") == "/reports/"
