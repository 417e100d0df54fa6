"""Valid form answers for the user tasks of the pack (tests override single fields)."""

from __future__ import annotations

from typing import Any

FACTS = {"media_exposure": "none", "lawsuit": "none", "households": 1, "needs_other_departments": False,
         "key_customer": False, "behaviour": None}


def facts(**changes: Any) -> dict[str, Any]:
    """The facts object with some values changed."""
    return {**FACTS, **changes}


def prejudgement(**kw: Any) -> dict[str, Any]:
    """Step 1."""
    return {"core_problem": "Rude reception", "customer_wants": "An apology", "intensity": "general",
            "key_complaint": False, "facts": facts(behaviour="talker"), **kw}


def fact_finding(**kw: Any) -> dict[str, Any]:
    """Step 2 with the customer (first contact, T5)."""
    return {"demand_confirmed": "Apology from the manager", "urgency": "normal",
            "promised_reply_at": "2026-03-03T12:00:00+00:00", "contact_agreed": "phone after 18:00",
            "facts": facts(behaviour="talker"), **kw}


def internal_facts(**kw: Any) -> dict[str, Any]:
    """Step 2 inside the company."""
    return {"summary_problem": "Receptionist was rude", "summary_checks": "Spoke to the shift lead",
            "summary_result": "Confirmed", "suspected_malicious": False, "facts": facts(behaviour="talker"), **kw}


def responsibility(**kw: Any) -> dict[str, Any]:
    """Step 3."""
    return {"responsibility": "company", "responsible_department": "Service point 7",
            "responsible_party_type": "service_point", "responsible_person": "Receptionist",
            "responsibility_reasoning": "Staff conduct", **kw}


def solution(**kw: Any) -> dict[str, Any]:
    """Step 4."""
    return {"solution_types": ["apology"], "solution_description": "Manager apologises by phone",
            "solution_executor": "Service manager", "solution_deadline": "2026-03-05",
            "expected_effect": "Customer accepts the apology", "bottom_line": "Apology and a voucher",
            "compensation_amount": 0, **kw}


def execution(**kw: Any) -> dict[str, Any]:
    """Step 5, done."""
    return {"work_done": True, "customer_confirmed": True, "compensation_received": False, **kw}


def review(**kw: Any) -> dict[str, Any]:
    """Step 6."""
    return {"review_cause": "Training", "review_risk": "Repeat", "review_improvement": "Coaching", **kw}


def signoff(**kw: Any) -> dict[str, Any]:
    """Department-head sign-off."""
    return {"signoff_choice": "sign_off", "result_record": "Apology given", **kw}


def followup(score: int = 5, **kw: Any) -> dict[str, Any]:
    """Follow-up survey."""
    return {"reached": True, "satisfaction": score, "satisfaction_comment": "ok", **kw}
