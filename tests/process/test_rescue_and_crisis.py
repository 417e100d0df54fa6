"""True closures of a rescue and the Level-1 crisis meeting, on the real pack with a moved clock (issue 13 item 4).

Rescue: domain §8b "rescue closes after the customer confirms"; §6 step 5 "offline work: open until the customer
confirms it is done"; seed 004 5.3.2 (求援: the service point contacts the customer and returns the outbound-service
registration, 外出服务登记表) and 5.4 (关闭确认: closure is confirmed). The seeds give no time for the confirmation;
the pack waits 24 hours, then a call task takes over (documented in processes/README.md and docs/clocks.md).
Crisis: domain §3 G1 and §4 "Level 1 goes straight to tier 3 and convenes a crisis team (report upward, team
meeting ...)"; acceptance story 2 "the general manager and crisis team are notified within a minute"; seed 001
(BYD deck) 案情上报并召开小组会议. The seeds give no number of hours for the meeting; the pack's default is 4.
"""

from __future__ import annotations

from tests.process import answers as a
from tests.process.harness import Case, intake

SP = "SP-0571"


def rescued_on_site(**customer: str) -> Case:
    """A rescue worked up to the service point's outbound-service registration (T3)."""
    data = intake(kind="rescue", category="after_sales", description="Broke down on the highway")
    if customer:
        data["customer"] = {**data["customer"], **customer}
    case = Case(data)
    case.complete("dispatch", location="G4 km 1020", situation="Engine stalled", safety_risk=True, service_point=SP)
    case.complete("acknowledge", acknowledged_by="Zhang", eta_minutes=40)
    case.complete("outbound", arrived_at="2026-03-02T10:00:00+00:00", outbound_work="Replaced fuel pump",
                  rescue_result="fixed_on_site", customer_confirmed_rescue=True)
    return case


def test_8b_a_rescue_does_not_close_on_the_service_point_word_the_customer_is_asked():
    case = rescued_on_site()
    assert case.status != "complete" and "closure" not in case.case
    [ask] = case.sent("rescue_confirm", "customer")
    assert ask.channel == "email" and ask.payload["outbound_work"] == "Replaced fuel pump"
    assert ask.payload["case_number"] == case.data["case_number"]
    task = case.task("confirm")
    assert task.group == "customer_service" and task.form == "rescue_confirmation.json"
    case.complete("confirm", rescue_confirmation="done", confirmation_note="All good, thanks")
    assert case.status == "complete"
    assert case.case["closure"]["reason"] == "rescued"
    assert case.case["closure"]["note"] == "confirmed by the customer"
    assert case.sent("closed", "customer")


def test_8b_no_confirmation_in_24_hours_gives_a_call_task_and_the_rescue_still_waits_for_the_customer():
    case = rescued_on_site()
    case.advance(hours=23, minutes=59)
    assert case.open() == ["confirm"]
    case.advance(minutes=2)  # 24 hours without an answer: the fallback
    assert case.open() == ["call_customer"]
    assert case.task("call_customer").group == "customer_service"
    case.complete("call_customer", rescue_confirmation="not_reached")
    assert case.open() == ["call_customer"] and case.status != "complete"  # not reached: call again
    case.complete("call_customer", rescue_confirmation="done", confirmation_note="Confirmed on the phone")
    assert case.status == "complete" and case.case["closure"]["reason"] == "rescued"


def test_6_step_5_a_customer_who_says_it_is_not_done_sends_it_back_to_the_service_point():
    case = rescued_on_site()
    case.complete("confirm", rescue_confirmation="not_done", confirmation_note="Stalled again after 5 km")
    assert case.open() == ["outbound"] and "closure" not in case.case
    case.complete("outbound", arrived_at="2026-03-02T15:00:00+00:00", outbound_work="Towed to the workshop",
                  rescue_result="towed")
    assert len(case.sent("rescue_confirm", "customer")) == 2  # asked again after the second visit
    case.complete("confirm", rescue_confirmation="done")
    assert case.status == "complete"


def test_G1_story_2_level_1_alerts_the_general_manager_and_crisis_team_in_app_and_by_e_mail():
    case = Case(intake(facts=a.facts(media_exposure="actual")))
    alerts = {(n.channel, n.recipient) for n in case.sent("crisis_alert")}
    assert alerts == {(channel, group) for channel in ("in_app", "email")
                      for group in ("group:general_manager", "group:crisis_team")}


def test_G1_the_crisis_meeting_has_a_4_hour_clock_stopped_when_it_is_held():
    case = Case(intake(facts=a.facts(media_exposure="actual")))
    [started] = [d for d in case.events("clock_started") if d["name"] == "G1-crisis-meeting"]
    assert started["duration"] == "PT4H"
    assert started["breach_to"] == "group:general_manager,group:crisis_team"
    assert case.task("crisis_meeting").clock == "G1-crisis-meeting"
    case.complete("crisis_meeting", crisis_decisions="Statement and apology", spokesperson="PR lead",
                  statement_needed=False)
    assert "G1-crisis-meeting" in [d["name"] for d in case.events("clock_stopped")]


def test_G1_a_case_that_is_not_level_1_starts_no_crisis_clock():
    case = Case(intake())
    assert not [d for d in case.events("clock_started") if d["name"] == "G1-crisis-meeting"]
    assert not case.sent("crisis_alert")
