"""Issue 13 part 4 and 5, closures that are true and customers told (seed clauses named per test)."""

from __future__ import annotations

from tests.process.harness import Case, intake


def repaired_step(**repair: object) -> Case:
    """A new-failure case (T4) up to the repair result."""
    case = Case(intake(kind="new_failure", category="product_quality", description="Display goes black"))
    case.complete("prepare", part="Display unit", failure_mode="Black after 10 min", service_point="SP-12")
    case.complete("book", appointment_at="2026-03-03T10:00:00+00:00", contact_person="Chen")
    case.complete("repair", **repair)
    return case


def test_T4_new_failure_not_repaired_does_not_close_as_repaired_and_can_go_back_to_repair():
    """T4 / repair tracking record (维修跟踪记载): 'repaired' only when repair_done is true."""
    case = repaired_step(repair_done=False, findings="Cause not found", report_to_engineering=False)
    assert case.status != "complete" and case.open() == ["decide_not_repaired"]
    assert case.task("decide_not_repaired").group == "service_supervisor"
    case.complete("decide_not_repaired", not_repaired_next="repair_again", not_repaired_reason="Try the harness")
    assert case.open() == ["repair"] and not case.events("case_closed")
    case.complete("repair", repair_done=True, findings="Harness replaced", report_to_engineering=False)
    assert case.status == "complete" and case.case["closure"]["reason"] == "repaired"
    # the customer hears the closure and what was done (issue 13 part 5: closures told to the customer too)
    (closed,) = case.sent("closed", "customer")
    assert closed.payload["solution"] == "Harness replaced"


def test_T4_not_repaired_closes_as_not_repaired_with_reason_and_escalation():
    """T4 + escalation (§4: a failure goes to the next tier): closed 'not repaired', never 'repaired'."""
    case = repaired_step(repair_done=False, findings="No parts", report_to_engineering=False)
    case.complete("decide_not_repaired", not_repaired_next="close_not_repaired",
                  not_repaired_reason="Part discontinued")
    assert case.status == "complete"
    assert case.case["closure"]["reason"] == "not_repaired" and case.case["closure"]["note"] == "Part discontinued"
    assert {n.recipient for n in case.sent("case_escalated")} == {"group:tier_2_handler", "group:technical_supervisor"}
    assert case.sent("case_escalated")[0].payload["reason"] == "new failure not repaired: Part discontinued"


def test_T4_a_new_failure_mode_reported_to_engineering_gets_a_notice_and_a_receipt_task():
    """T4 / 上报技术部门 (report_to_engineering): engineering is told and confirms receipt before closure."""
    case = repaired_step(repair_done=True, findings="Firmware bug", report_to_engineering=True)
    (notice,) = case.sent("engineering_report", "group:technical_supervisor")
    assert notice.payload["failure_mode"] == "Black after 10 min" and notice.payload["findings"] == "Firmware bug"
    assert case.open() == ["confirm_engineering"] and case.task("confirm_engineering").group == "technical_supervisor"
    assert case.status != "complete"
    case.complete("confirm_engineering", engineering_received=True, engineering_note="Filed as FM-7")
    assert case.status == "complete" and case.case["closure"]["reason"] == "repaired"


def test_R1_a_case_solved_on_the_spot_is_reported_to_customer_service():
    """R1 (当场解决并报备客服): the on-the-spot solution is reported to customer service."""
    case = Case(intake(solved_on_the_spot=True, solution_on_the_spot="Explained the invoice"))
    (report,) = case.sent("case_closed", "group:customer_service")
    assert report.payload["note"] == "Explained the invoice"


def test_T5_every_kind_is_acknowledged_once_at_registration_with_the_promised_time():
    """T5 (a reply time is promised at the first contact) for every kind, before any classification."""
    for kind in ("grievance", "inquiry", "rescue", "new_failure", None):
        case = Case(intake(kind=kind))
        (ack,) = case.sent("acknowledgement", "customer")
        assert ack.payload["reply_by"]
