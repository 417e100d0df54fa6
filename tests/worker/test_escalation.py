"""Escalation that acts (issue 13 part 3): a missed deadline moves the open task to the next tier's queue as the
deployed tier table says, records it and tells both sides. Each test names its seed clause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.helpers import GRIEVANCE, open_task, register
from webapp.deadlines import business_calendar as calendar
from webapp.deadlines import escalation, tiers
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Event, HumanTask, Outbox
from webapp.tasks import worklist
from webapp.worker import Worker

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SH).astimezone(UTC)
PREJUDGEMENT = "Pre-judgement (step 1)"

# domain §4 / §8b: "a case escalates a tier when ... a deadline is missed" — "escalation moves the work";
# seed 004 (客户抱怨闭环处理管理办法 training): 超时未处理的抱怨升级至上一级处理 (a complaint not handled in time
# goes up a level); seed 001 第三条 (tiers by grade) is the tier table the move reads.


@pytest.fixture(autouse=True)
def _calendar(app):
    calendar.configure(calendar.BusinessCalendar(tz=SH))
    yield
    calendar.configure(calendar.BusinessCalendar(tz=SH))


def test_the_tier_table_not_python_names_the_group_above(app, pack):
    assert tiers.decide(db.session, "G4", 0, False) == tiers.TierRow(1, "tier_1_handler", "tier_2_handler")
    assert tiers.decide(db.session, "G1", 0, False).above == "general_manager"
    case = Case(grade="G3", tier=2, facts={}, record={})
    assert escalation.breach_recipients(db.session, case) == ["group:tier_3_handler", "group:service_supervisor"]


def test_domain_4_missed_first_response_moves_the_task_to_tier_2_and_tells_both(app, users, pack, settings):
    clock.freeze(MONDAY_10)
    case = register(dict(GRIEVANCE))
    task = open_task(case, PREJUDGEMENT)
    assert (case.grade, task.group_key) == ("G4", "tier_1_handler")
    from webapp.tasks import service as task_service

    task_service.claim(db.session, task.id, users["handler1"])
    db.session.commit()
    clock.advance(timedelta(hours=9))  # past the end of the working day (T5 EOD, business time)
    Worker(db.session, settings).run_once()
    db.session.expire_all()
    moved = db.session.get(HumanTask, task.id)
    assert (moved.state, moved.group_key, moved.assignee) == ("open", "tier_2_handler", None)
    ev = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "task_escalated")).one()
    assert ev.data["from"] == "tier_1_handler" and ev.data["to"] == "tier_2_handler" and ev.data["tier"] == 2
    told = {(o.template, o.recipient) for o in db.session.scalars(select(Outbox).where(Outbox.case_id == case.id))}
    assert ("deadline_missed", "user:handler1") in told  # the one who held it learns it was moved
    assert ("deadline_escalation", "group:tier_2_handler") in told  # the new tier by the diagram's own notice
    assert [t.id for t in worklist.list_tasks(db.session, users["handler2"], "group").items] == [task.id]
    assert worklist.list_tasks(db.session, users["handler1"], "mine").items == []



def test_seed_001_G2_d_re_grades_at_the_moment_the_month_passes_a_case_still_in_step_1(app, users, pack, settings):
    # seed 001 第三条 2 (二级投诉): 由于我方原因超过一个月仍未解决的投诉 -> Level 2; domain §3: "re-graded when it
    # passes one month open", §8b: "G2-d applies the moment a month has passed" (not at the next step)
    clock.freeze(MONDAY_10)
    case = register(dict(GRIEVANCE))
    assert (case.grade, case.tier) == ("G4", 1)
    clock.advance(timedelta(days=30, minutes=1))
    Worker(db.session, settings).run_once()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    # the first response (T5, same working day) was missed on day 1 too: one escalation (tier 2); the re-grade to
    # G2 with that escalation is tier 3 in the tier table ("G2 escalated: tier 3"), not a second move by Python
    assert (case.grade, case.tier, case.record["grade_reason"]) == ("G2", 3, "G2-d")
    graded = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "graded")
                                .order_by(Event.id)).all()
    assert [(e.data["grade"], e.data["rule"]) for e in graded] == [("G4", "G4"), ("G2", "G2-d")]
    still = open_task(case, PREJUDGEMENT)  # nobody touched step 1: it waits at the Level-2 tier now
    assert (still.group_key, still.grade, still.tier) == ("tier_3_handler", "G2", 3)


def test_seed_004_after_a_miss_later_steps_stay_at_the_new_tier(app, users, pack, settings):
    # seed 004 (抱怨闭环管理办法 training): 超时未处理的抱怨升级至上一级处理; domain §4: a missed deadline goes to the
    # next tier — and stays there: the process data carries the new tier, the next steps and the re-grade after
    # fact finding route to tier 2, not back to tier 1
    from tests.helpers import complete
    from tests.process import answers as a

    clock.freeze(MONDAY_10)
    case = register(dict(GRIEVANCE))
    clock.advance(timedelta(hours=9))  # T5 (end of the working day) missed
    Worker(db.session, settings).run_once()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.tier, case.record["handler_group"]) == (2, "tier_2_handler")
    assert open_task(case, PREJUDGEMENT).group_key == "tier_2_handler"
    complete(case, PREJUDGEMENT, a.prejudgement(), "handler2")
    db.session.commit()
    assert open_task(case, "Fact finding with the customer (step 2)").group_key == "tier_2_handler"
    complete(case, "Fact finding with the customer (step 2)", a.fact_finding(), "handler2")
    db.session.commit()  # the handling re-grades here (grade table, then tier table with the escalation counted)
    nxt = open_task(case, "Fact finding inside the company (step 2)")
    assert (nxt.group_key, nxt.tier) == ("tier_2_handler", 2)
    assert [t.id for t in worklist.list_tasks(db.session, users["handler1"], "group").items] == []
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.tier, case.record["tier"], case.record["handler_group"]) == (2, 2, "tier_2_handler")
    routed = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "routed")).all()
    assert [e.data["tier"] for e in routed] == [1]  # the re-grade found the carried tier 2: nothing routed back


def test_seed_001_G2_d_is_the_grade_tables_rule_an_owner_who_makes_it_45_days_gets_no_re_grade_at_30(
        app, users, pack, settings):
    # seed 001 第三条 2 (二级投诉): the month is the table's cell, not Python's (domain §3: "Grades are a DMN
    # decision table that the process owner can edit")
    from tests.studio.helpers import edited
    from webapp.processes.deploy import deploy_upload

    dmn = edited("grade_decision.dmn", "<text>? &gt;= 30</text>", "<text>? &gt;= 45</text>")
    deploy_upload(db.session, {"grade_decision.dmn": dmn}, {}, "owner", "G2-d after 45 days")
    clock.freeze(MONDAY_10)
    case = register(dict(GRIEVANCE))
    clock.advance(timedelta(days=30, minutes=1))
    Worker(db.session, settings).run_once()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.grade == "G4" and case.record["grade_reason"] == "G4"
    graded = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "graded")).all()
    assert [e.data["rule"] for e in graded] == ["G4"]
