"""Named routing (issue 13 item 2) on the real pack: a task or notice for "the responsible department" reaches THAT
department or service point as master data keeps it (members, head), not a generic queue. Each test names the
seed clause: car-maker call-centre rules (seed 004) 4.2, 5.2.1 b, 5.2.2, 5.3.1, 5.3.2; auto-repair rules (seed
000) 第二项 一.5 (二.一.5: the result is signed by the head of the department that solved it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tests.api.test_stories import (
    DISPATCH,
    T0,
    events,
    grievance,
    move_clock,
    open_task,
    outbox,
    queued,
    register,
    sent,
    show,
    work,
)
from tests.conftest import PASSWORD, Api
from tests.process import answers as a
from webapp.accounts.service import create_user
from webapp.engine import clock
from webapp.extensions import db
from webapp.masterdata import service as masterdata
from webapp.models import User
from webapp.outbox import inapp
from webapp.outbox.delivery.settings import WorkerSettings
from webapp.outbox.service import Claim, envelope


@pytest.fixture(autouse=True)
def frozen(app: Flask) -> Iterator[None]:
    """Monday 2026-03-02 09:00 UTC, the clock stopped."""
    clock.freeze(T0)
    yield
    clock.reset()


@pytest.fixture
def units(users: dict[str, Any]) -> None:
    """After-sales (head ashead, member asclerk), Sales (member salesclerk), service point North (member spm)."""
    for name in ("ashead", "asclerk", "salesclerk", "spm"):
        create_user(db.session, name, PASSWORD, [], name.title(), f"{name}@example.test")
    db.session.commit()
    for kind, key, name, attrs in (
            ("department", "after_sales", "After-sales", {"head": "ashead", "members": ["asclerk"],
                                                          "email": "aftersales@example.test"}),
            ("department", "sales_dept", "Sales", {"head": "salesclerk", "members": ["salesclerk"]}),
            ("service_point", "sp_north", "North service point", {"head": "spm", "members": ["spm"]})):
        masterdata.create(db.session, kind, {"key": key, "name_en": name, "attrs": attrs}, "admin")


def work_as(api: Api, number: str, spec: str, group: str, username: str, data: dict[str, Any]) -> dict[str, Any]:
    """Check the task's queue, claim and complete it as `username`; the answer."""
    task = open_task(api, number, spec)
    assert task["group"] == group, (spec, task["group"])
    assert spec in queued(api, username, number), f"{spec} not in {username}'s queue"
    assert api.as_(username).post(f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    done = api.as_(username).post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()
    return done.get_json()  # type: ignore[no-any-return]


def inquiry_to(api: Api, department: str) -> str:
    """An inquiry not answerable at once whose coordination notice the section chief signs for `department`."""
    number = str(register(api, grievance(kind="inquiry", category="sales", subject="Pump warranty",
                                         description="Does the warranty cover the water pump?"))["number"])
    work(api, number, "answer", "customer_service", {"question": "Pump warranty?", "answered_at_once": False,
                                                     "answer": "", "department": department})
    clock.advance(timedelta(minutes=10))
    work(api, number, "sign_notice", "service_supervisor",
         {"department": department, "question_summary": "Pump warranty?", "signed_by": "Chief Li"})
    return number


def mail_to(recipient: str, number: str, template: str) -> list[str]:
    """The e-mail addresses the worker would send a case's notice to."""
    [row] = [o for o in outbox(number, template) if o.recipient == recipient and o.channel == "email"]
    claim = Claim(row.id, row.channel, row.recipient, row.template, dict(row.payload), row.idempotency_key, 1,
                  row.case_id, False)
    return envelope(db.session, claim, WorkerSettings()).addresses


def test_car_maker_5_2_1_b_and_5_3_1_T1_notice_and_reply_go_to_the_named_department(api: Api, pack: None,
                                                                                   units: None) -> None:
    # 5.2.1 b: the notice, signed by the section chief, goes to the management department concerned;
    # 5.3.1: that department replies within 2 hours (4.2: it handles what is its own responsibility)
    number = inquiry_to(api, "after_sales")
    assert sent(number, "inquiry_coordination_notice") == {("in_app", "department:after_sales"),
                                                           ("email", "department:after_sales")}
    assert mail_to("department:after_sales", number, "inquiry_coordination_notice") == [
        "aftersales@example.test", "asclerk@example.test", "ashead@example.test"]
    reply = open_task(api, number, "reply")
    assert reply["group"] == "department:after_sales"
    assert api.as_("depthead").post(f"/api/v1/tasks/{reply['id']}/claim").status_code == 403  # not the generic queue
    assert queued(api, "depthead", number) == [] and queued(api, "salesclerk", number) == []
    work_as(api, number, "reply", "department:after_sales", "asclerk", {"reply": "5 years", "replied_by": "Wang"})
    assert outbox(number, "inquiry_reply_ready")[0].payload["reply"] == "5 years"
    bell = [n.template for n in inapp.recent(db.session, db.session.query(User).filter_by(username="asclerk").one())]
    assert "inquiry_coordination_notice" in bell  # the member's bell has it too


def test_car_maker_5_2_1_b_a_department_not_in_master_data_is_refused_once_departments_are_kept(
        api: Api, pack: None, units: None) -> None:
    # domain §8b: keys, not free text, wherever a rule routes
    number = str(register(api, grievance(kind="inquiry", category="sales", subject="x", description="y"))["number"])
    task = open_task(api, number, "answer")
    api.as_("agent").post(f"/api/v1/tasks/{task['id']}/claim")
    r = api.as_("agent").post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {
        "question": "q", "answered_at_once": False, "answer": "", "department": "After-sales"}})
    assert r.status_code == 422 and "department" in r.get_json()["error"]["fields"]


def test_car_maker_5_3_1_a_missed_reply_goes_to_that_departments_head(api: Api, pack: None, units: None) -> None:
    # 5.3.1: 2 hours for the department; the miss is that department's head's business (auto-repair 第二项 一.5)
    number = inquiry_to(api, "after_sales")
    move_clock(hours=2, seconds=1)
    assert {r for _, r in sent(number, "deadline_escalation")} == {"department_head:after_sales"}
    assert mail_to("department_head:after_sales", number, "deadline_escalation") == ["ashead@example.test"]
    head = db.session.query(User).filter_by(username="ashead").one()
    clerk = db.session.query(User).filter_by(username="asclerk").one()
    assert "deadline_escalation" in [n.template for n in inapp.recent(db.session, head)]
    assert "deadline_escalation" not in [n.template for n in inapp.recent(db.session, clerk)]


def test_auto_repair_2_1_5_sign_off_goes_to_the_head_of_the_department_that_solved_it(api: Api, pack: None,
                                                                                      units: None) -> None:
    # 第二项 一.5: 由具体解决部门的负责人签字认可 — signed by the head of the department that solved it
    number = str(register(api, grievance())["number"])
    for spec, data in (("prejudgement", a.prejudgement()), ("fact_finding", a.fact_finding()),
                       ("internal_facts", a.internal_facts()),
                       ("responsibility_step", {**a.responsibility(), "responsible_department": "after_sales",
                                                "responsible_party_type": "department"}),
                       ("solution_step", a.solution()),
                       ("communicate", {"customer_choice": "accept", "customer_response": "OK"}),
                       ("execute", a.execution())):
        work(api, number, spec, "tier_1_handler", data)
    signoff = open_task(api, number, "signoff")
    assert signoff["group"] == "department_head:after_sales"
    assert queued(api, "depthead", number) == [] and queued(api, "asclerk", number) == []
    work_as(api, number, "signoff", "department_head:after_sales", "ashead", a.signoff())
    done = [(e["task"], e["actor"]) for e in events(show(api, number), "task_completed")]
    assert ("Sign off the result", "ashead") in done


def test_car_maker_5_2_2_the_service_points_members_get_the_rescue_notice_and_acknowledge_it(
        app: Flask, api: Api, pack: None, units: None) -> None:
    # 5.2.2: the notice goes to the nearest service point; 5.3.2 it contacts the customer (domain §8b: a service
    # point is a real recipient with members who acknowledge)
    number = str(register(api, grievance(kind="rescue", category="after_sales", subject="Broke down",
                                         description="G4 km 1020"))["number"])
    work(api, number, "dispatch", "customer_service", {**DISPATCH, "service_point": "sp_north"})
    assert sent(number, "rescue_notice") == {("in_app", "service_point:sp_north"),
                                             ("email", "service_point:sp_north")}
    assert mail_to("service_point:sp_north", number, "rescue_notice") == ["spm@example.test"]
    spm = db.session.query(User).filter_by(username="spm").one()
    assert "rescue_notice" in [n.template for n in inapp.recent(db.session, spm)]
    # the link in the mail (the case page) opens for the member and shows the task to acknowledge
    from tests.web.conftest import Web

    web = Web(app.test_client()).login("spm")
    page = web.get(f"/cases/{number}")
    assert page.status_code == 200 and "Acknowledge the rescue notice" in page.get_data(as_text=True)
    work_as(api, number, "acknowledge", "service_point:sp_north", "spm", {"acknowledged_by": "Zhang",
                                                                         "eta_minutes": 30})
    assert outbox(number, "rescue_on_the_way")


def test_a_unit_queue_is_worked_by_its_members_and_head_as_master_data_keeps_them(units: None) -> None:
    """Who works a department/service point queue is read from master data; a group queue needs no such read."""
    from sqlalchemy import event, select

    people = {u.username: u for u in db.session.scalars(select(User))}
    assert people["asclerk"].works_in("department:after_sales")
    assert people["ashead"].works_in("department:after_sales") and people["ashead"].works_in(
        "department_head:after_sales")
    assert not people["asclerk"].works_in("department_head:after_sales")
    assert not people["asclerk"].works_in("department:sales_dept") and not people["spm"].works_in(None)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert people["handler1"].works_in("tier_1_handler")
        assert not people["handler1"].works_in("tier_2_handler")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert not [s for s in statements if "master_item" in s], statements
