"""K1/K2 from the category's stored rule (issue 13): the category row in master data says which KPI clock a
complaint starts; resolution_deadline.dmn decides on that rule (`k_rule`), not on category keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.helpers import GRIEVANCE, register
from webapp.deadlines.models import Deadline
from webapp.extensions import db
from webapp.masterdata import service


def _clocks(number: str) -> dict[str, str]:
    rows = db.session.scalars(select(Deadline).where(Deadline.case_number == number))
    return {r.name: r.duration for r in rows}


def test_seed_001_a_category_the_admin_adds_with_rule_K2_starts_the_one_week_clock(app: Any, pack: Any) -> None:
    # seed 001 (KPI不符合项投诉): 配件投诉一周解决率 — parts-supply complaints resolved within one week (K2);
    # domain §2: the category list is configuration, not code — no table edit for a new category
    service.create(db.session, "category", {"key": "tyres", "name_en": "Tyres", "name_zh": "轮胎",
                                            "attrs": {"deadline_rule": "K2"}}, "admin")
    case = register({**GRIEVANCE, "category": "tyres", "subject": "Tyre delivery late"})
    assert _clocks(case.number).get("K2") == "P7D", _clocks(case.number)
    assert "K1" not in _clocks(case.number)


def test_seed_001_changing_a_category_rule_changes_the_clock_of_new_cases(app: Any, pack: Any) -> None:
    # seed 001: 产品投诉两周解决率 (K1); the admin moves "accident" to K1 in master data, new cases follow
    service.create(db.session, "category", {"key": "accident", "name_en": "Accident",
                                            "attrs": {"deadline_rule": "none"}}, "admin")
    before = register({**GRIEVANCE, "category": "accident", "subject": "Scratched door"})
    assert not {"K1", "K2"} & set(_clocks(before.number))
    service.update(db.session, "category", "accident", {"attrs": {"deadline_rule": "K1"}}, "admin")
    after = register({**GRIEVANCE, "category": "accident", "subject": "Scratched bumper",
                      "customer": {"name": "Han Mei", "phone": "13800000009"}})
    assert _clocks(after.number).get("K1") == "P14D"
