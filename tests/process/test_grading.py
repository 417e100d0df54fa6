"""Grades G1-G4 from the decision table (any criterion suffices, highest wins) and the tier they route to."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.process import answers as a
from tests.process.harness import START, Case, FakeHistory, intake


def graded(**overrides) -> Case:
    """A grievance registered with these intake values."""
    return Case(intake(**overrides), overrides.pop("history", None) if "history" in overrides else None)


def test_G1_a_story_2_newspaper_interested_is_level_1_crisis_at_tier_3():
    case = Case(intake(facts={"media_exposure": "actual"}))
    assert (case.case["grade"], case.case["grade_reason"], case.case["tier"]) == ("G1", "G1-a", 3)
    alerts = case.sent("crisis_alert")
    assert {n.recipient for n in alerts} == {"group:general_manager", "group:crisis_team"}
    assert case.task("prejudgement").group == "tier_3_handler"
    assert case.task("crisis_meeting").group == "crisis_team"
    assert case.open() == ["crisis_meeting", "prejudgement"]


def test_G1_a_a_case_forwarded_by_the_media_is_level_1():
    case = Case(intake(channel="media"))
    assert (case.case["grade"], case.case["grade_reason"]) == ("G1", "G1-a")


@pytest.mark.parametrize(("households", "grade", "rule"), [(10, "G1", "G1-b"), (250, "G1", "G1-b"),
                                                          (9, "G2", "G2-c"), (3, "G2", "G2-c"),
                                                          (2, "G4", "G4")])
def test_G1_b_and_G2_c_households(households: int, grade: str, rule: str):
    case = Case(intake(facts={"households": households}))
    assert (case.case["grade"], case.case["grade_reason"]) == (grade, rule)


@pytest.mark.parametrize("overrides", [
    {"facts": {"media_exposure": "possible"}},
    {"facts": {"lawsuit": "possible"}},
    {"facts": {"lawsuit": "group", "households": 2}},
    {"channel": "authority"}, {"channel": "lawyer"}, {"channel": "consumer_association"},
    {"kind": "external"},
    {"facts": {"behaviour": "activist"}},
], ids=["media-possible", "lawsuit", "group-lawsuit-2-households", "authority", "lawyer", "consumer-association",
        "external", "activist"])
def test_G2_a_may_lead_to_a_lawsuit_or_media_exposure_is_level_2_with_manager_coordination(overrides):
    case = Case(intake(**overrides))
    assert (case.case["grade"], case.case["grade_reason"], case.case["tier"]) == ("G2", "G2-a", 2)
    assert case.value("manager_coordination", "prejudgement") is True
    assert case.task("prejudgement").group == "tier_2_handler"


def test_G2_b_story_3_third_complainant_in_30_days_is_level_2_and_links_the_earlier_two():
    history = FakeHistory(others=["CL-2026-000011", "CL-2026-000017"])
    case = Case(intake(category="product_quality", subject="Door seal model X"), history)
    assert (case.case["grade"], case.case["grade_reason"], case.case["tier"]) == ("G2", "G2-b", 2)
    assert case.links == ["CL-2026-000011", "CL-2026-000017"]
    assert case.value("complainants_30d") == 3
    distinct = [c for c in history.calls if c[0] == "distinct"][0]
    assert distinct[1:3] == ("product_quality", "Door seal model X")
    assert distinct[3] == (START - timedelta(days=30)).isoformat()  # the 30-day window is in the diagram
    assert distinct[4] == "CL-2026-000001"  # the case itself does not count


def test_G2_b_a_second_complainant_is_not_enough_but_is_linked():
    case = Case(intake(), FakeHistory(others=["CL-2026-000011"]))
    assert case.case["grade"] == "G4"
    assert case.links == ["CL-2026-000011"]


def test_G3_a_third_complaint_after_closure_is_level_3():
    history = FakeHistory(repeats=3)
    case = Case(intake(), history)
    assert (case.case["grade"], case.case["grade_reason"], case.case["tier"]) == ("G3", "G3-a", 2)
    repeats = [c for c in history.calls if c[0] == "repeats"][0]
    assert repeats[1] == "13800000001"  # the customer is told apart by phone


def test_G3_a_two_earlier_closures_are_not_enough():
    assert Case(intake(), FakeHistory(repeats=2)).case["grade"] == "G4"


def test_G3_b_needing_other_departments_is_level_3_at_tier_2_with_the_technical_supervisor():
    case = Case(intake(facts={"needs_other_departments": True}))
    assert (case.case["grade"], case.case["grade_reason"], case.case["tier"]) == ("G3", "G3-b", 2)
    assert case.value("technical_support") is True


def test_G4_everything_else_is_level_4_at_tier_1():
    case = Case(intake())
    assert (case.case["grade"], case.case["grade_reason"], case.case["tier"]) == ("G4", "G4", 1)
    assert case.task("prejudgement").group == "tier_1_handler"
    assert case.value("manager_coordination") is False


def test_highest_grade_wins_when_several_criteria_hold():
    case = Case(intake(facts={"households": 5, "needs_other_departments": True, "media_exposure": "actual"}),
                FakeHistory(others=["A", "B"], repeats=4))
    assert (case.case["grade"], case.case["grade_reason"]) == ("G1", "G1-a")


def _to_internal_facts(case: Case, **fact_changes) -> Case:
    case.complete("prejudgement", **a.prejudgement())
    case.complete("fact_finding", **a.fact_finding(facts=a.facts(**fact_changes)))
    return case


def test_regrade_when_the_customer_mentions_the_media_during_fact_finding_raises_the_crisis():
    case = _to_internal_facts(Case(intake()), media_exposure="actual")
    assert (case.case["grade"], case.case["tier"]) == ("G1", 3)
    assert case.events("graded")[-1] == {"grade": "G1", "rule": "G1-a", "previous": "G4"}
    assert {n.recipient for n in case.sent("crisis_alert")} == {"group:general_manager", "group:crisis_team"}
    assert {n.recipient for n in case.sent("case_escalated")} >= {"group:tier_3_handler"}
    assert case.open() == ["crisis_meeting", "internal_facts"]  # the crisis path runs beside the handling
    assert case.task("internal_facts").group == "tier_3_handler"


def test_regrade_after_internal_fact_finding_G3_b_brings_in_the_technical_supervisor():
    case = _to_internal_facts(Case(intake()))
    case.complete("internal_facts", **a.internal_facts(facts=a.facts(needs_other_departments=True)))
    assert (case.case["grade"], case.case["grade_reason"], case.case["tier"]) == ("G3", "G3-b", 2)
    assert case.task("technical").group == "technical_supervisor"
    case.complete("technical", technical_opinion="Seal batch defect", technical_consulted=True)
    assert case.task("responsibility_step").group == "tier_2_handler"


def test_a_grade_is_never_lowered_when_facts_calm_down():
    case = Case(intake(facts={"lawsuit": "possible"}))
    _to_internal_facts(case, lawsuit="none")
    case.complete("internal_facts", **a.internal_facts())
    assert case.case["grade"] == "G2"
    assert case.value("grade_reason") == "G2-a"


def test_G2_d_a_case_open_one_month_is_regraded_to_level_2_at_its_next_step():
    case = _to_internal_facts(Case(intake()))
    assert case.timers()["g2d_timer"] == START + timedelta(days=30)
    case.advance(days=30, seconds=1)
    told = case.sent("deadline_escalation")
    assert {n.recipient for n in told} == {"group:tier_2_handler", "group:service_supervisor",
                                           "group:general_manager"}
    assert told[0].payload["clock"] == "G2-d"
    # the month is stated once, by the timer: the record and the notice take their duration from it
    assert told[0].payload["duration"] == "P30D" and case.events("deadline_escalated")[0]["duration"] == "P30D"
    assert case.case["grade"] == "G4"  # the timer branch sees registration data only; the handling re-grades
    case.complete("internal_facts", **a.internal_facts())
    assert (case.case["grade"], case.case["grade_reason"], case.case["tier"]) == ("G2", "G2-d", 2)
    assert case.value("days_open") == 30
    assert case.sent("case_escalated", "group:tier_2_handler")
    assert case.task("coordinate").group == "general_manager"
    case.complete("coordinate", measures="Call daily", responsible_person="Wang", coordinated=True)
    assert case.task("responsibility_step").group == "tier_2_handler"


def test_G2_d_a_case_waiting_in_execution_is_regraded_at_its_next_progress_update():
    case = _to_internal_facts(Case(intake()))
    case.complete("internal_facts", **a.internal_facts())
    case.complete("responsibility_step", **a.responsibility())
    case.complete("solution_step", **a.solution(solution_types=["rework"]))
    case.complete("communicate", customer_choice="accept", customer_response="")
    case.advance(days=31)
    case.complete("execute", **a.execution(customer_confirmed=False, progress_note="Parts ordered"))
    assert (case.case["grade"], case.case["grade_reason"]) == ("G2", "G2-d")
    assert case.task("execute").group == "tier_2_handler"


def test_G2_d_does_not_lower_a_case_raised_to_level_1_during_handling():
    case = _to_internal_facts(Case(intake()), media_exposure="actual")
    assert case.case["grade"] == "G1"
    case.advance(days=30, seconds=1)
    case.complete("internal_facts", **a.internal_facts(facts=a.facts(media_exposure="actual")))
    assert (case.case["grade"], case.case["tier"]) == ("G1", 3)
