"""Repeats that count the same issue (issue 13 part 2): G2-b and G3-a count one problem however it is worded,
across customers, per object; a malicious closure is not a repeat. Each test names its seed clause."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.helpers import GRIEVANCE
from webapp.extensions import db
from webapp.masterdata import issues
from webapp.models import Case

# seed 001 客户投诉处理与危机预防制度 第三条 2 (二级投诉): 一个月内累计三次以上不同投诉人的相同投诉 -> G2-b
# seed 001 同条 3 (三级投诉): 处理完毕后同一问题发生三次投诉的 -> G3-a
# seed 000 第一项 6: 对客户的恶意投诉,做到坚持原则并耐心解释 (a malicious complaint is handled on principle,
# and is not a repeat of a real problem: domain §8b)


def _customer(i: int) -> dict[str, Any]:
    return {"name": f"Customer {i}", "phone": f"1390000{i:04d}"}


def _register(api: Any, **fields: Any) -> dict[str, Any]:
    r = api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, "category": "product_quality", **fields})
    assert r.status_code == 201, r.get_json()
    return r.get_json()  # type: ignore[no-any-return]


def _vehicle(api: Any, vin: str) -> None:
    r = api.as_("admin").post("/api/v1/masterdata/object", json={"key": vin, "name_en": f"VIN {vin}",
                                                                "attrs": {"type": "vehicle"}})
    assert r.status_code == 201, r.get_json()


def test_normalise_folds_case_width_spacing_and_punctuation() -> None:
    assert issues.normalise("Service point 7") == issues.normalise(" SERVICE-POINT  7! ") == "servicepoint7"
    assert issues.normalise("服务站７号") == issues.normalise("服务站 7 号。")


def test_seed_001_G2_b_three_customers_wording_the_same_vehicle_differently_make_level_2(api: Any,
                                                                                         pack: Any) -> None:
    _vehicle(api, "LSV0001")
    subjects = ["Engine knocks when cold", "strange noise from the motor", "发动机异响"]
    made = [_register(api, customer=_customer(i), subject=s, object="LSV0001") for i, s in enumerate(subjects)]
    assert [c["grade"] for c in made[:2]] == ["G4", "G4"]
    assert made[2]["grade"] == "G2" and made[2]["record"]["grade_reason"] == "G2-b"
    third = api.as_("agent").get(f"/api/v1/cases/{made[2]['number']}").get_json()
    assert sorted(third["linked_cases"]) == sorted(c["number"] for c in made[:2])


def test_seed_001_G2_b_same_issue_link_chosen_at_intake_counts_however_worded(api: Any, pack: Any) -> None:
    first = _register(api, customer=_customer(1), subject="Brake squeal")
    second = _register(api, customer=_customer(2), subject="Noisy brakes", same_issue_as=first["number"])
    third = _register(api, customer=_customer(3), subject="brakes scream", same_issue_as=second["number"])
    assert (second["grade"], third["grade"], third["record"]["grade_reason"]) == ("G4", "G2", "G2-b")
    r = api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, "same_issue_as": "CL-1999-999999"})
    assert r.status_code == 422 and "same_issue_as" in r.get_json()["error"]["fields"]


def test_seed_001_G2_b_normalised_subject_and_e_mail_only_customers_count_as_different_complainants(
        api: Any, pack: Any) -> None:
    for i, subject in enumerate(["Service point 7", "service-point 7!"]):
        _register(api, customer={"name": "Anon", "email": f"c{i}@example.test"}, subject=subject)
    third = _register(api, customer={"name": "Anon", "email": "c3@example.test"}, subject="SERVICE POINT  7")
    assert (third["grade"], third["record"]["grade_reason"]) == ("G2", "G2-b")


def test_seed_000_a_malicious_closure_is_not_a_repeat_nor_a_complainant(api: Any, pack: Any) -> None:
    _vehicle(api, "LSV0002")
    made = [_register(api, customer=_customer(i), subject=f"wording {i}", object="LSV0002") for i in range(2)]
    # the first was closed as malicious by a supervisor (the grievance flow's close_malicious sets this status)
    db.session.scalars(select(Case).where(Case.number == made[0]["number"])).one().status = "closed_malicious"
    db.session.commit()
    third = _register(api, customer=_customer(9), subject="wording 9", object="LSV0002")
    assert third["grade"] == "G4", third["record"].get("grade_reason")


def test_seed_001_G3_a_the_same_problem_three_times_after_handling_counts_per_object_not_per_wording(
        api: Any, pack: Any) -> None:
    _vehicle(api, "LSV0003")
    done = [_register(api, customer=_customer(1), subject=s, object="LSV0003")
            for s in ("door rattles", "rattle in the door", "车门异响")]
    malicious = _register(api, customer=_customer(1), subject="door again", object="LSV0003")
    for c in done:  # handled and closed (the follow-up call found the customer satisfied)
        db.session.scalars(select(Case).where(Case.number == c["number"])).one().status = "closed"
    db.session.scalars(select(Case).where(Case.number == malicious["number"])).one().status = "closed_malicious"
    db.session.commit()
    again = _register(api, customer=_customer(1), subject="The door rattles once more", object="LSV0003")
    assert (again["grade"], again["record"]["grade_reason"]) == ("G3", "G3-a")
    # two handled before: not yet three times
    db.session.scalars(select(Case).where(Case.number == done[0]["number"])).one().status = "closed_malicious"
    db.session.commit()
    twice = _register(api, customer=_customer(2), subject="door rattles", object="LSV0003")
    assert twice["grade"] == "G4", twice["record"].get("grade_reason")
