"""Recipients nobody is in (issue 13 item 2): the deploy checks refuse a department or service point that master data
does not keep or that has no active member, and warn on a group without one; the admin's stuck rules flag a task
or notice waiting on such a queue. Domain §8b: "a service point is a real recipient with members who acknowledge";
car-maker rules (seed 004) 4.2: departments and service points handle what is theirs — somebody must be there."""

from __future__ import annotations

from typing import Any

from tests.api.test_stories import grievance, register, work
from tests.conftest import PASSWORD, Api
from tests.studio.helpers import edited, post_files
from tests.web.conftest import Web
from webapp.accounts.service import create_user
from webapp.extensions import db
from webapp.masterdata import service as masterdata
from webapp.models import Group, User

NOTICE = "'group:responsible_department'"


def _ghost_department() -> None:
    """Department 'ghost' whose only member has left (deactivated); department 'empty' with nobody at all."""
    create_user(db.session, "gone", PASSWORD, [], "Gone", "gone@example.test")
    db.session.commit()
    masterdata.create(db.session, "department", {"key": "ghost", "name_en": "Ghost",
                                                 "attrs": {"head": "gone", "members": ["gone"]}}, "admin")
    masterdata.create(db.session, "department", {"key": "empty", "name_en": "Empty", "attrs": {}}, "admin")
    db.session.query(User).filter_by(username="gone").one().is_active = False
    db.session.commit()


def _problems(api: Api, new: str) -> dict[str, Any]:
    r = post_files(api.as_("owner"), "/api/v1/processes/check", {"inquiry.bpmn": edited("inquiry.bpmn", NOTICE, new)})
    assert r.status_code == 200, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def test_domain_8b_deploy_refuses_a_department_not_kept_or_with_no_active_member(api: Api, pack: None) -> None:
    _ghost_department()
    missing = _problems(api, "'department:nowhere'")
    assert not missing["ok"] and any("no department 'nowhere' is kept in master data" in p["message"]
                                     for p in missing["problems"])
    for key in ("ghost", "empty"):
        nobody = _problems(api, f"'department:{key}'")
        assert any(f"the department '{key}' has no active member or head" in p["message"] and
                   p["element"] == "send_notice" for p in nobody["problems"]), nobody
    head = _problems(api, "'department_head:ghost'")
    assert any("has no active head" in p["message"] for p in head["problems"])


def test_domain_8b_deploy_warns_on_a_group_with_no_active_member(api: Api, pack: None) -> None:
    db.session.add(Group(key="night_shift", name="Night shift"))
    db.session.commit()
    checked = _problems(api, "'group:night_shift'")
    assert checked["ok"] is True  # a warning does not refuse the deploy
    assert any(w["element"] == "send_notice" and "group 'night_shift' has no active member" in w["message"]
               for w in checked["warnings"]), checked["warnings"]


def test_domain_8b_stuck_rules_flag_a_task_and_a_notice_to_a_department_nobody_is_in(api: Api, pack: None) -> None:
    _ghost_department()
    number = str(register(api, grievance(kind="inquiry", category="sales", subject="Pump warranty",
                                         description="Pump?"))["number"])
    work(api, number, "answer", "customer_service", {"question": "Pump?", "answered_at_once": False, "answer": "",
                                                     "department": "ghost"})
    work(api, number, "sign_notice", "service_supervisor",
         {"department": "ghost", "question_summary": "Pump?", "signed_by": "Chief Li"})
    stuck = api.as_("admin").get("/api/v1/instances/stuck").get_json()
    assert stuck["counts"]["by_rule"]["task_to_nobody"] == 1
    assert stuck["counts"]["by_rule"]["notice_to_nobody"] == 1
    [item] = [i for i in stuck["items"] if i["case_number"] == number]
    texts = {r["rule"]: r["text"] for r in item["reasons"]}
    assert "queue 'Department: Ghost', which has no active member" in texts["task_to_nobody"]
    assert "went to department:ghost, which has no active member" in texts["notice_to_nobody"]
    # the console in Chinese says it in Chinese (rule titles and reasons from the catalogue); the API stays English
    web = Web(api.client.application.test_client()).login("admin")
    web.post("/language", {"language": "zh", "next": "/"})
    page = web.text("/admin/instances?stuck=1")
    for text in ("任务在无人队列中", "通知无人接收", "中等待，但该队列没有在职成员"):
        assert text in page, text
    texts = {r["rule"]: r["text"] for r in api.as_("admin").get("/api/v1/instances/stuck").get_json()["items"][0][
        "reasons"]}
    assert "which has no active member" in texts["task_to_nobody"]
    # somebody joins the department: nothing is flagged any more (membership is read when asked)
    masterdata.update(db.session, "department", "ghost", {"attrs": {"head": "depthead", "members": ["depthead"]}},
                      "admin")
    again = api.as_("admin").get("/api/v1/instances/stuck").get_json()["counts"]["by_rule"]
    assert again["task_to_nobody"] == 0 and again["notice_to_nobody"] == 0
