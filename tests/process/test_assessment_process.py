"""processes/assessment.bpmn (car-maker rules 4.3-4.4): the integrated management department decides a proposal,
finance carries out an accepted one; the service tasks record what the register row becomes."""

from __future__ import annotations

from typing import Any

from tests.process.harness import Case


def _proposal() -> dict[str, Any]:
    return {"assessment_id": 7, "case_number": "C-1", "target": "SP-12", "target_type": "service_point",
            "rule": "T4 appointment missed"}


def test_car_maker_4_3_accepted_with_an_amount_then_carried_out_by_finance() -> None:
    case = Case(_proposal(), process="assessment")
    assert case.open() == ["decide"] and case.task("decide").group == "integrated_management"
    case.complete("decide", actor="integrated", assessment_decision="accept", assessment_amount=200,
                  assessment_measure="Retrain SP-12")
    assert case.events("assessment_decided") == [{"assessment": 7, "state": "accepted", "target": "SP-12",
                                                  "amount": "200", "measure": "Retrain SP-12"}]
    assert case.open() == ["carry_out"] and case.task("carry_out").group == "finance"
    case.complete("carry_out", actor="finance", assessment_executed=True, assessment_note="March")
    assert case.events("assessment_carried_out") == [{"assessment": 7, "state": "carried_out", "target": "SP-12",
                                                      "note": "March"}]
    assert case.status == "complete" and case.case == {}  # the case record is not touched


def test_car_maker_4_3_rejected_with_a_reason_ends_without_finance() -> None:
    case = Case(_proposal(), process="assessment")
    case.complete("decide", assessment_decision="reject", assessment_reason="Customer came late")
    assert case.events("assessment_decided") == [{"assessment": 7, "state": "rejected", "target": "SP-12",
                                                  "reason": "Customer came late"}]
    assert case.open() == [] and case.status == "complete" and case.events("assessment_carried_out") == []
