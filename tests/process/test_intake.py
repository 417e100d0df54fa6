"""Intake (R1, R2), classification, purchase-intent leads and routing by kind."""

from __future__ import annotations

import pytest

from tests.process.harness import Case, intake


def test_R1_a_case_solved_on_the_spot_is_closed_as_such():
    case = Case(intake(solved_on_the_spot=True, solution_on_the_spot="Explained the invoice"))
    assert case.status == "complete"
    assert case.case["status"] == "closed"
    assert case.case["closure"]["reason"] == "on_the_spot"
    assert case.case["closure"]["note"] == "Explained the invoice"
    assert case.events("case_closed")


def test_R2_the_registrar_is_recorded_as_first_contact():
    case = Case(intake(registered_by="clerk7"))
    assert case.case["first_contact"] == "clerk7"
    assert case.events("first_contact") == [{"registered_by": "clerk7", "channel": "phone", "case_kind": "grievance"}]
    assert case.value("opened_at") == "2026-03-02T09:00:00+00:00"


def test_a_case_without_a_kind_is_classified_by_customer_service():
    case = Case(intake(kind=None, category=None, subject=None))
    task = case.task("classify")
    assert (task.group, task.form, task.due_in) == ("customer_service", "classify.json", "PT30M")
    case.complete("classify", kind="inquiry", category="sales", subject="New model X")
    assert case.case["kind"] == "inquiry"
    assert case.case["category"] == "sales"
    assert case.events("classified")[-1]["case_kind"] == "inquiry"
    assert case.open() == ["answer"]


def test_a_purchase_intent_inquiry_sends_a_lead_to_sales():
    case = Case(intake(kind="inquiry", purchase_intent=True, description="Price of model X?"))
    hook = case.sent("sales_lead", "webhook:sales")
    assert len(hook) == 1 and hook[0].channel == "webhook"
    assert hook[0].payload["question"] == "Price of model X?"
    assert case.sent("sales_lead", "group:sales")[0].channel == "in_app"


def test_no_lead_without_purchase_intent():
    assert not Case(intake(kind="inquiry")).sent("sales_lead")


@pytest.mark.parametrize(("kind", "first_task", "group"), [
    ("inquiry", "answer", "customer_service"),
    ("rescue", "dispatch", "customer_service"),
    ("new_failure", "prepare", "customer_service"),
    ("grievance", "prejudgement", "tier_1_handler"),
    ("external", "prejudgement", "tier_2_handler"),
])
def test_each_kind_goes_to_its_flow(kind: str, first_task: str, group: str):
    case = Case(intake(kind=kind))
    assert case.open() == [first_task]
    assert case.task(first_task).group == group


def test_a_grievance_without_a_category_is_classified_first_so_that_G2_b_can_count_it():
    case = Case(intake(category=None, subject=None))
    assert case.open() == ["classify"]
    case.complete("classify", kind="grievance", category="product_quality", subject="Pump")
    assert case.case["category"] == "product_quality"
    assert case.task("prejudgement").group == "tier_1_handler"


def test_a_rescue_without_a_category_is_not_delayed_by_classification():
    assert Case(intake(kind="rescue", category=None)).open() == ["dispatch"]
