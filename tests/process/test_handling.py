"""The six steps of a grievance, approval, rejection and escalation, sign-off, follow-up, reopen, malicious closure."""

from __future__ import annotations

from tests.process import answers as a
from tests.process.harness import Case, FakeHistory, intake


def at_solution(case: Case | None = None, **responsibility) -> Case:
    """Run a grievance through steps 1-3 to the solution step."""
    case = case or Case(intake())
    case.complete("prejudgement", **a.prejudgement())
    case.complete("fact_finding", **a.fact_finding())
    case.complete("internal_facts", **a.internal_facts())
    if "coordinate" in case.open():  # Level 2: the manager coordinates first
        case.complete("coordinate", measures="Daily calls", responsible_person="Zhao", coordinated=True)
    case.complete("responsibility_step", **a.responsibility(**responsibility))
    assert case.open() == ["solution_step"]
    return case


def closed_after(case: Case) -> Case:
    """Execute, sign off and a satisfied follow-up."""
    case.complete("execute", **a.execution())
    case.complete("signoff", **a.signoff())
    case.complete("follow_up", **a.followup(5))
    return case


def test_story_1_phone_grievance_about_rude_staff_worked_through_the_six_steps_and_closed():
    case = Case(intake(channel="phone", category="staff_attitude", description="Rude staff at reception"))
    assert case.sent("acknowledgement", "customer")
    steps = [("prejudgement", "tier_1_handler"), ("fact_finding", "tier_1_handler"),
             ("internal_facts", "tier_1_handler"), ("responsibility_step", "tier_1_handler")]
    for spec, group in steps:
        assert case.task(spec).group == group
        case.complete(spec, **getattr(a, spec.removesuffix("_step"))())
    assert case.case["first_response_at"] and case.case["promised_reply_at"] == "2026-03-03T12:00:00+00:00"
    assert case.case["responsibility"] == "company"
    case.complete("solution_step", **a.solution())
    assert case.case["solution"]["types"] == ["apology"]
    assert case.task("communicate").group == "tier_1_handler"
    case.complete("communicate", customer_choice="accept", customer_response="Accepted the apology")
    assert case.case["status"] == "executing"
    case.complete("execute", **a.execution())
    assert case.open() == ["signoff"]  # G4, not key, not repeated: no review step
    # auto-repair rules 二.一.5: signed by the head of the department (here service point) that solved it
    assert case.task("signoff").group == "service_point_head:Service point 7"
    case.complete("signoff", **a.signoff())
    assert case.task("follow_up").group == "callback_staff"
    assert case.case["status"] == "follow_up"
    case.complete("follow_up", **a.followup(5))
    assert case.status == "complete"
    assert case.case["status"] == "closed" and case.case["closure"]["reason"] == "resolved"
    assert case.case["satisfaction"] == 5
    assert case.sent("case_closed", "user:agent")  # R2: the first contact stays informed
    kinds = [k for k, _ in case.records]
    assert kinds.index("graded") < kinds.index("first_response") < kinds.index("responsibility_judged") \
        < kinds.index("solution_agreed") < kinds.index("survey") < kinds.index("case_closed")


def test_step_3_company_fault_of_a_service_point_proposes_an_assessment_by_finance():
    case = at_solution()
    proposal = case.events("assessment_proposed")[0]
    assert proposal["target"] == "Service point 7" and proposal["target_type"] == "service_point"
    assert case.sent("assessment_proposed", "group:finance")


def test_step_3_customer_fault_proposes_no_assessment():
    case = at_solution(responsibility="customer")
    assert not case.events("assessment_proposed")


def test_step_4_compensation_above_the_threshold_needs_the_next_tier_to_approve():
    case = at_solution()
    case.complete("solution_step", **a.solution(solution_types=["apology", "compensation"], compensation_amount=1500))
    assert case.task("approve").group == "tier_2_handler"
    case.complete("approve", approval_choice="send_back", approval_comment="Too much")
    assert case.open() == ["solution_step"]
    assert case.value("approval_comment") == "Too much"
    case.complete("solution_step", **a.solution(solution_types=["compensation"], compensation_amount=1200))
    case.complete("approve", approval_choice="approve")
    assert case.open() == ["communicate"]
    assert case.case["solution"]["compensation_amount"] == 1200


def test_step_4_compensation_within_the_threshold_needs_no_approval():
    case = at_solution()
    case.complete("solution_step", **a.solution(solution_types=["compensation"], compensation_amount=1000))
    assert case.open() == ["communicate"]


def test_step_4_at_tier_2_the_approver_is_the_tier_3_handler():
    case = at_solution(Case(intake(facts={"lawsuit": "possible"})))
    case.complete("solution_step", **a.solution(solution_types=["compensation"], compensation_amount=5000))
    assert case.task("approve").group == "tier_3_handler"


def test_step_5_compensation_keeps_the_case_open_until_the_money_is_received():
    case = at_solution()
    case.complete("solution_step", **a.solution(solution_types=["compensation"], compensation_amount=300))
    case.complete("communicate", customer_choice="accept", customer_response="")
    case.complete("execute", **a.execution(compensation_received=False, progress_note="Transfer ordered"))
    assert case.open() == ["execute"]
    assert case.value("progress_note") == "Transfer ordered"  # the next round shows the progress so far
    case.complete("execute", **a.execution(customer_confirmed=False, compensation_received=True))
    assert case.open() == ["execute"]
    case.complete("execute", **a.execution(compensation_received=True))
    assert case.open() == ["signoff"]


def test_step_5_story_6_a_second_rejection_moves_the_case_up_a_tier():
    case = at_solution()
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="reject", customer_response="Not enough")
    assert case.open() == ["solution_step"] and case.task("solution_step").group == "tier_1_handler"
    assert case.case["rejections"] == 1 and case.case["tier"] == 1
    case.complete("solution_step", **a.solution(solution_types=["apology", "discount"]))
    case.complete("communicate", customer_choice="reject", customer_response="Still not enough")
    assert case.case["rejections"] == 2 and case.case["tier"] == 2
    assert case.task("solution_step").group == "tier_2_handler"
    assert case.sent("case_escalated", "group:tier_2_handler")
    assert case.events("escalated")[-1]["escalations"] == 1
    assert not case.open().count("responsibility_step")  # responsibility stays judged


def test_step_5_four_rejections_reach_tier_3():
    case = at_solution()
    for _ in range(4):
        case.complete("solution_step", **a.solution())
        case.complete("communicate", customer_choice="reject", customer_response="no")
    assert case.case["tier"] == 3 and case.task("solution_step").group == "tier_3_handler"


def test_step_6_review_for_level_1_2_key_and_repeated_complaints():
    for case in (at_solution(Case(intake(facts={"media_exposure": "possible"}))),
                 at_solution(Case(intake(), FakeHistory(repeats=1)))):
        case.complete("solution_step", **a.solution())
        case.complete("communicate", customer_choice="accept", customer_response="")
        case.complete("execute", **a.execution())
        assert case.open() == ["review"]
        case.complete("review", **a.review())
        assert case.open() == ["signoff"]
    key = Case(intake())
    key.complete("prejudgement", **a.prejudgement(key_complaint=True))
    at_solution_from_fact_finding(key)
    key.complete("solution_step", **a.solution())
    key.complete("communicate", customer_choice="accept", customer_response="")
    key.complete("execute", **a.execution())
    assert key.open() == ["review"]


def at_solution_from_fact_finding(case: Case) -> None:
    """Steps 2-3 of a case whose pre-judgement is done."""
    case.complete("fact_finding", **a.fact_finding())
    case.complete("internal_facts", **a.internal_facts())
    case.complete("responsibility_step", **a.responsibility())


def test_department_head_refusing_the_sign_off_sends_it_back_to_the_solution_step():
    case = at_solution()
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="accept", customer_response="")
    case.complete("execute", **a.execution())
    case.complete("signoff", **a.signoff(signoff_choice="return", signoff_comment="Redo"))
    assert case.open() == ["solution_step"]


def test_dissatisfied_follow_up_reopens_into_the_solution_step_and_is_counted():
    case = at_solution()
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="accept", customer_response="")
    case.complete("execute", **a.execution())
    case.complete("signoff", **a.signoff())
    case.complete("follow_up", **a.followup(2, satisfaction_comment="Manager never called"))
    assert case.case["status"] == "reopened" and case.case["reopen_count"] == 1
    assert case.events("case_reopened") == [{"count": 1, "reason": "Manager never called"}]
    assert case.open() == ["solution_step"]
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="accept", customer_response="")
    case.complete("execute", **a.execution())
    assert case.open() == ["review"]  # a reopened case is a repeated one: it gets a review
    case.complete("review", **a.review())
    case.complete("signoff", **a.signoff())
    assert "satisfaction" not in case.task_data("follow_up")  # each reopen gets its own survey
    case.complete("follow_up", **a.followup(4))
    assert case.status == "complete"
    assert [s["score"] for s in case.case["surveys"]] == [2, 4]


def test_an_unreached_customer_gets_another_follow_up_call():
    case = at_solution()
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="accept", customer_response="")
    case.complete("execute", **a.execution())
    case.complete("signoff", **a.signoff())
    case.complete("follow_up", reached=False, satisfaction_comment="")
    assert case.open() == ["follow_up"]
    closed_after_follow_up = case.complete("follow_up", **a.followup(5))
    assert closed_after_follow_up.status == "complete"


def test_a_malicious_complaint_is_closed_by_a_supervisor_with_a_reason():
    case = Case(intake())
    case.complete("prejudgement", **a.prejudgement())
    case.complete("fact_finding", **a.fact_finding())
    case.complete("internal_facts", **a.internal_facts(suspected_malicious=True))
    assert case.task("malicious_review").group == "service_supervisor"
    case.complete("malicious_review", malicious_confirmed=True, malicious_reason="Fourth identical extortion claim")
    assert case.status == "complete"
    assert case.case["status"] == "closed_malicious"
    assert case.case["closure"]["note"] == "Fourth identical extortion claim"


def test_a_rejected_malicious_suspicion_continues_the_handling():
    case = Case(intake())
    case.complete("prejudgement", **a.prejudgement())
    case.complete("fact_finding", **a.fact_finding())
    case.complete("internal_facts", **a.internal_facts(suspected_malicious=True))
    case.complete("malicious_review", malicious_confirmed=False)
    assert case.open() == ["responsibility_step"]


def test_a_suspicion_raised_when_the_customer_rejects_is_reviewed_too():
    case = at_solution()
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="reject", customer_response="Wants 10x", suspected_malicious=True)
    assert case.open() == ["malicious_review"]


def test_G2_manager_coordination_names_measures_before_responsibility():
    case = Case(intake(facts={"lawsuit": "possible"}))
    case.complete("prejudgement", **a.prejudgement(facts=a.facts(lawsuit="possible")))
    case.complete("fact_finding", **a.fact_finding(facts=a.facts(lawsuit="possible")))
    case.complete("internal_facts", **a.internal_facts(facts=a.facts(lawsuit="possible")))
    assert case.task("coordinate").group == "general_manager"
    case.complete("coordinate", measures="Legal review", responsible_person="Zhao", coordinated=True)
    case.complete("responsibility_step", **a.responsibility())
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="reject", customer_response="no")
    assert case.open() == ["solution_step"]  # coordination is not asked again on the loop


def test_story_1_variant_closed_after_full_path_helper():
    case = at_solution()
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="accept", customer_response="")
    assert closed_after(case).case["status"] == "closed"
