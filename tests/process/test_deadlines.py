"""Deadlines by moving the clock: T1 inquiry, T3 rescue, T4 new failure, T5 first response, K1/K2 resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.process import answers as a
from tests.process.harness import START, Case, intake
from webapp.engine import clock


def clock_started(case: Case, name: str) -> dict:
    """The clock_started record of a clock."""
    found = [d for d in case.events("clock_started") if d["name"] == name]
    assert len(found) == 1, case.events("clock_started")
    return found[0]


def stopped(case: Case) -> list[str]:
    """Names of the clocks stopped so far."""
    return [d["name"] for d in case.events("clock_stopped")]


# -- T1 inquiry ---------------------------------------------------------------
def inquiry() -> Case:
    """An inquiry that cannot be answered at once."""
    case = Case(intake(kind="inquiry", category="sales", description="Does the warranty cover the pump?"))
    assert case.task("answer").group == "customer_service"
    case.complete("answer", question="Warranty of the pump?", answered_at_once=False, answer="",
                  department="After-sales")
    return case


def test_T1_an_inquiry_answered_at_once_is_closed():
    case = Case(intake(kind="inquiry"))
    case.complete("answer", question="Opening hours?", answered_at_once=True, answer="9-18 daily")
    assert case.status == "complete" and case.case["closure"]["reason"] == "answered"
    assert case.sent("case_closed", "user:agent")


def test_T1_story_5_the_3_hour_callback_is_promised_and_in_the_agents_list_at_once():
    case = inquiry()
    assert case.sent("inquiry_callback_promise", "customer")[0].payload["within"] == "PT3H"
    assert clock_started(case, "T1-callback")["duration"] == "PT3H"
    callback = case.task("callback")
    assert (callback.group, callback.clock) == ("customer_service", "T1-callback")
    assert case.timers()["callback_timer"] == START + timedelta(hours=3)
    sign = case.task("sign_notice")
    assert (sign.group, sign.clock) == ("service_supervisor", "T1-notice")
    assert clock_started(case, "T1-notice")["duration"] == "PT30M"
    assert case.timers()["notice_timer"] == START + timedelta(minutes=30)


def test_T1_the_whole_inquiry_on_time():
    case = inquiry()
    case.advance(minutes=20)
    case.complete("sign_notice", department="After-sales", question_summary="Pump warranty?", signed_by="Chief Li")
    # car-maker rules 5.2.1 b / 5.3.1: the notice goes to the named management department, which replies
    notice = case.sent("inquiry_coordination_notice", "department:After-sales")[0]
    assert notice.payload["signed_by"] == "Chief Li"
    reply = case.task("reply")
    assert (reply.group, reply.clock) == ("department:After-sales", "T1-reply")
    assert case.timers()["reply_timer"] == START + timedelta(minutes=20, hours=2)
    case.advance(minutes=60)
    case.complete("reply", reply="Covered for 5 years", replied_by="Wang, after-sales")
    assert case.sent("inquiry_reply_ready", "group:customer_service")[0].payload["reply"] == "Covered for 5 years"
    case.complete("callback", customer_reached=True, customer_answered=True, callback_note="Told about 5 years")
    assert case.status == "complete"
    assert sorted(stopped(case)) == ["T1-callback", "T1-notice", "T1-reply"]
    assert not case.sent("deadline_escalation")


def test_T1_a_callback_before_the_reply_is_followed_by_a_final_call():
    case = inquiry()
    case.complete("callback", customer_reached=True, customer_answered=False, callback_note="Reply pending")
    case.complete("sign_notice", department="After-sales", question_summary="Pump?", signed_by="Chief Li")
    case.complete("reply", reply="Covered", replied_by="Wang")
    assert case.task("final_call").group == "customer_service"
    case.complete("final_call", final_answer_given=True)
    assert case.status == "complete"


def test_T1_missed_notice_reply_and_callback_each_notify_the_next_tier():
    case = inquiry()
    case.advance(minutes=30, seconds=1)
    assert [n.recipient for n in case.sent("deadline_escalation")] == ["group:general_manager"]
    case.complete("sign_notice", department="After-sales", question_summary="Pump?", signed_by="Chief Li")
    case.advance(hours=2, seconds=1)
    assert case.sent("deadline_escalation", "department_head:After-sales")  # that department's head
    assert case.events("assessment_proposed")[0]["target"] == "After-sales"
    assert not case.sent("deadline_escalation", "group:service_supervisor")
    case.advance(minutes=30)  # 12:00:02, past the 3 hours promised at 09:00
    assert case.sent("deadline_escalation", "group:service_supervisor")
    assert [d["clock"] for d in case.events("deadline_escalated")] == ["T1-notice", "T1-reply", "T1-callback"]
    assert case.open() == ["callback", "reply"]  # the work stays open after the miss


# -- T3 rescue ----------------------------------------------------------------
def rescue() -> Case:
    """A rescue call."""
    return Case(intake(kind="rescue", category="after_sales", description="Broke down on the highway"))


def test_T3_story_4_the_nearest_service_point_is_notified_within_10_minutes():
    case = rescue()
    dispatch = case.task("dispatch")
    assert (dispatch.group, dispatch.clock) == ("customer_service", "T3-notice")
    assert clock_started(case, "T3-notice")["duration"] == "PT10M"
    case.advance(minutes=4)
    case.complete("dispatch", location="G4 km 1020", situation="Engine stalled", safety_risk=True,
                  service_point="SP-0571")
    # car-maker rules 5.2.2: the notice to the nearest service point reaches its members in the app and by mail
    notices = case.sent("rescue_notice", "service_point:SP-0571")
    assert sorted(n.channel for n in notices) == ["email", "in_app"]
    assert notices[0].payload["safety_risk"] is True
    assert "T3-notice" in stopped(case)
    ack = case.task("acknowledge")
    assert (ack.group, ack.clock) == ("service_point:SP-0571", "T3-ack")  # its members acknowledge (5.3.2)
    case.complete("acknowledge", acknowledged_by="Zhang", eta_minutes=40)
    assert case.sent("rescue_on_the_way", "customer")[0].payload["eta_minutes"] == 40
    case.complete("outbound", arrived_at="2026-03-02T10:00:00+00:00", outbound_work="Replaced fuel pump",
                  rescue_result="fixed_on_site")
    assert case.open() == ["confirm"]  # domain 8b: closed only once the customer confirms (test_rescue_and_crisis)
    case.complete("confirm", rescue_confirmation="done")
    assert case.status == "complete" and case.case["closure"]["reason"] == "rescued"
    assert not case.sent("deadline_escalation")


def test_T3_story_4_an_unacknowledged_rescue_alerts_the_supervisor():
    case = rescue()
    case.complete("dispatch", location="G4", situation="Stalled", safety_risk=False, service_point="SP-0571")
    case.advance(minutes=15, seconds=1)
    alert = case.sent("deadline_escalation", "group:service_supervisor")
    assert alert and alert[0].payload["clock"] == "T3-ack"
    assert case.events("assessment_proposed")[0]["target"] == "SP-0571"
    assert case.sent("assessment_proposed", "group:finance")
    assert case.open() == ["acknowledge"]


def test_T3_a_late_dispatch_alerts_the_supervisor():
    case = rescue()
    case.advance(minutes=10, seconds=1)
    assert case.sent("deadline_escalation", "group:service_supervisor")[0].payload["clock"] == "T3-notice"


# -- T4 new failure mode ------------------------------------------------------
def new_failure() -> Case:
    """A first-time failure report."""
    return Case(intake(kind="new_failure", category="product_quality", description="Display goes black"))


def test_T4_notice_within_60_minutes_and_appointment_within_2_hours():
    case = new_failure()
    assert case.task("prepare").clock == "T4-notice"
    assert case.timers()["notice_timer"] == START + timedelta(minutes=60)
    case.complete("prepare", part="Display unit", failure_mode="Black after 10 min", service_point="SP-12")
    assert {n.recipient for n in case.sent("new_failure_notice")} == {"service_point:SP-12",
                                                                      "group:technical_supervisor"}
    assert clock_started(case, "T4-appointment")["duration"] == "PT2H"
    assert case.timers()["book_timer"] == START + timedelta(hours=2)
    case.complete("book", appointment_at="2026-03-03T10:00:00+00:00", contact_person="Chen")
    assert case.sent("appointment_booked", "customer")
    case.complete("repair", repair_done=True, findings="Loose connector", report_to_engineering=False)
    assert case.status == "complete"
    assert sorted(stopped(case)) == ["T4-appointment", "T4-notice"]


def test_T4_missed_deadlines_notify_the_supervisor_and_propose_an_assessment():
    case = new_failure()
    case.advance(minutes=60, seconds=1)
    assert case.sent("deadline_escalation", "group:service_supervisor")[0].payload["clock"] == "T4-notice"
    case.complete("prepare", part="Display", failure_mode="Black", service_point="SP-12")
    case.advance(hours=2, seconds=1)
    assert [d["clock"] for d in case.events("deadline_escalated")] == ["T4-notice", "T4-appointment"]
    assert case.events("assessment_proposed")[0]["target"] == "SP-12"


# -- T5 first response, K1/K2 resolution --------------------------------------
def test_T5_first_response_clock_runs_from_registration_to_the_end_of_the_working_day():
    case = Case(intake())  # Monday 17:00 in Shanghai: the working day ends at 18:00
    t5 = clock_started(case, "T5-first-response")
    assert (t5["duration"], t5["business_time"]) == ("EOD", True)
    assert t5["breach_to"] == "group:tier_2_handler,group:service_supervisor"
    assert case.task("prejudgement").clock == "T5-first-response"
    assert case.timers()["t5_timer"] == START + timedelta(hours=1)
    assert case.history.clocks["T5-first-response"]["due"] == START + timedelta(hours=1)
    case.complete("prejudgement", **a.prejudgement())
    assert case.task("fact_finding").clock == "T5-first-response"
    case.complete("fact_finding", **a.fact_finding())
    assert "T5-first-response" in stopped(case)
    assert "t5_timer" not in case.timers()


def test_T5_a_case_registered_on_friday_evening_is_due_at_the_end_of_monday():
    clock.freeze(datetime(2026, 3, 6, 12, 0, tzinfo=UTC))  # Friday 20:00 in Shanghai, after hours
    case = Case(intake())
    monday_close = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # Monday 18:00 in Shanghai
    assert case.timers()["t5_timer"] == monday_close
    assert case.history.clocks["T5-first-response"]["due"] == monday_close
    case.advance(days=2, hours=21, minutes=59)  # Monday 17:59: still in time
    assert case.sent("deadline_escalation") == []


def test_T5_counts_from_registration_not_from_classification():
    """T5 (domain §5; seeds: "一旦接到投诉,我们要尽快与投诉人取得联系", "客户一旦投诉,…应立即予以回应"): the first
    response is due counted from the moment the complaint was received, so a grievance classified by customer
    service an hour after registration keeps the due time of its registration."""
    case = Case(intake(category=None, subject=None))  # Monday 17:00 in Shanghai, the kind unknown
    assert case.open() == ["classify"]
    case.advance(minutes=40)  # classified at 17:40
    case.complete("classify", kind="grievance", category="staff_attitude", subject="Service point 7")
    t5 = clock_started(case, "T5-first-response")
    assert t5["since"] == START.isoformat()
    assert case.value("clocks")["T5-first-response"]["started"] == START.isoformat()
    assert case.history.clocks["T5-first-response"]["due"] == START + timedelta(hours=1)  # 18:00, not later
    assert case.timers()["t5_timer"] == START + timedelta(hours=1)


def test_T5_classified_after_the_working_day_ended_is_already_missed():
    """T5: a grievance registered at 17:00 and classified the next morning missed its same-day first response;
    the next tier hears of it at once."""
    case = Case(intake(category=None, subject=None))
    case.advance(hours=16)  # Tuesday 09:00 in Shanghai
    case.complete("classify", kind="grievance", category="staff_attitude", subject="Service point 7")
    assert case.history.clocks["T5-first-response"]["due"] == START + timedelta(hours=1)
    case.advance(seconds=1)
    assert {n.recipient for n in case.sent("deadline_escalation")} == {"group:tier_2_handler",
                                                                       "group:service_supervisor"}


def test_T5_a_missed_first_response_notifies_the_next_tier():
    case = Case(intake())
    case.advance(hours=1, seconds=1)
    assert {n.recipient for n in case.sent("deadline_escalation")} == {"group:tier_2_handler",
                                                                       "group:service_supervisor"}
    assert case.open() == ["prejudgement"]


def test_K1_product_complaints_have_a_two_week_resolution_clock():
    case = Case(intake(category="product_quality", subject="Pump model X"))
    k1 = clock_started(case, "K1")
    assert k1["duration"] == "P14D"
    assert case.timers()["k_timer"] == START + timedelta(days=14)
    case.complete("prejudgement", **a.prejudgement())
    case.complete("fact_finding", **a.fact_finding())
    case.advance(days=14, seconds=1)
    missed = case.sent("deadline_escalation")
    assert {n.recipient for n in missed} == {"group:tier_2_handler", "group:service_supervisor"}
    assert missed[0].payload["clock"] == "K1"


def test_K2_parts_supply_complaints_have_a_one_week_resolution_clock():
    case = Case(intake(category="parts_supply", subject="Brake pads"))
    assert clock_started(case, "K2")["duration"] == "P7D"
    assert case.timers()["k_timer"] == START + timedelta(days=7)


def test_K1_K2_other_categories_have_no_kpi_clock():
    case = Case(intake(category="staff_attitude"))
    assert not [d for d in case.events("clock_started") if d["name"] in ("K1", "K2")]
    case.advance(days=14, seconds=1)
    assert not [n for n in case.sent("deadline_escalation") if n.payload["clock"] in ("K1", "K2", "none")]


def test_K1_a_case_closed_in_time_ends_its_timers():
    case = Case(intake(category="product_quality", subject="Pump"))
    for spec in ("prejudgement", "fact_finding", "internal_facts", "responsibility_step"):
        case.complete(spec, **getattr(a, spec.removesuffix("_step"))())
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="accept", customer_response="")
    case.complete("execute", **a.execution())
    case.complete("signoff", **a.signoff())
    case.complete("follow_up", **a.followup(5))
    assert case.status == "complete" and case.timers() == {}
    assert "K1" in stopped(case)
