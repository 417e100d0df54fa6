"""Every figure of the March 2026 report over the seeded cases (see conftest.py), on SQLite and PostgreSQL.

Seeds: real-estate rules 五 (有效投诉 and 投诉关闭率 per month), car-maker rules 4.3-4.4 and 5.4 (on-time rates,
overdue-and-not-closed list), BYD KPIs (K1/K2 on-time, key and KPI-missed complaints managed case by case).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Case
from webapp.reports import filters, service


def _kpis(**args: str) -> dict[str, Any]:
    period, f = filters.parse({"from": "2026-03-01", "to": "2026-03-31", **args}, "Asia/Shanghai")
    return service.kpis(db.session, period, f)


def _clock(k: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in k["deadlines"] if d["name"] == name)


def test_volume_real_estate_rules_5(seeded: dict[str, str]) -> None:
    """Real-estate rules 五 ("负责每月对各项目的有效投诉总量及投诉关闭率进行统计"): valid complaints (有效投诉) are
    complaints (投诉, rules 第二条: grievances and external complaints, not inquiries, rescues or new failure modes),
    not malicious, not withdrawn; the closure rate is closed valid complaints over valid complaints."""
    v = _kpis()["volume"]
    # A and B are grievances; C (new failure mode) and D (inquiry, closed malicious) are not complaints
    assert (v["registered"], v["valid"], v["closed"], v["closure_rate"]) == (4, 2, 1, 0.5)
    assert v["open_at_end"] == 2  # B (registered in March) and E (February), both still open on 31 March
    assert v["previous"] == {"registered": 1, "valid": 1, "closed": 0, "closure_rate": 0.0}


@pytest.mark.parametrize("kind,valid", [("grievance", 1), ("external", 1), ("inquiry", 0), ("rescue", 0),
                                        ("new_failure", 0)])
def test_valid_complaints_count_complaints_only_real_estate_rules_5(seeded: dict[str, str], kind: str,
                                                                     valid: int) -> None:
    """Real-estate rules 第五条 counts 有效投诉 (valid complaints), and 第二条 defines 投诉 as what a customer raises
    because the company's failings harmed them: an inquiry (咨询, handled beside complaints in 第五条) is not one."""
    case = db.session.get(Case, db.session.scalar(select(Case.id).where(Case.number == seeded["E"])))
    case.kind = kind  # E is the only case of February
    db.session.commit()
    period, f = filters.parse({"from": "2026-02-01", "to": "2026-02-28"}, "Asia/Shanghai")
    k = service.kpis(db.session, period, f)
    assert (k["volume"]["registered"], k["volume"]["valid"]) == (1, valid)
    assert len(service.case_list(db.session, "valid", period, f)) == valid
    assert k["months"][-1]["valid"] == valid


def test_breakdowns_and_months(seeded: dict[str, str]) -> None:
    """Domain §8: by kind, category, grade and channel; month over month."""
    k = _kpis()
    counts = {name: {i["value"]: i["count"] for i in items} for name, items in k["breakdown"].items()}
    assert counts["kind"] == {"grievance": 2, "new_failure": 1, "inquiry": 1}
    assert counts["grade"] == {"G1": 1, "G2": 1, "G3": 1, "-": 1}
    assert counts["channel"] == {"phone": 2, "email": 1, "web": 1}
    assert counts["category"] == {"staff_attitude": 1, "parts": 1, "engine": 1, "-": 1}
    months = {m["from"]: (m["registered"], m["valid"], m["closed"]) for m in k["months"]}
    assert len(k["months"]) == 6 and k["months"][-1]["from"] == "2026-03-01"
    assert months["2026-03-01"] == (4, 2, 1) and months["2026-02-01"] == (1, 1, 0)
    assert months["2025-10-01"] == (0, 0, 0)


def test_deadlines_t4_t5_k2_g2d(seeded: dict[str, str]) -> None:
    """T5 same working day (business time), T4 appointment 2 h, K2 7 days (BYD), G2-d one month open."""
    k = _kpis()
    t5 = _clock(k, "T5-first-response")
    assert (t5["started"], t5["met"], t5["missed"], t5["on_time_rate"]) == (2, 1, 1, 0.5)
    assert t5["business_time"] and t5["median_seconds"] == 5400 and t5["p90_seconds"] == 5400
    t4 = _clock(k, "T4-appointment")
    assert (t4["started"], t4["met"], t4["missed"], t4["median_seconds"]) == (1, 1, 0, 3600)
    k2 = _clock(k, "K2")
    assert (k2["started"], k2["met"], k2["missed"], k2["on_time_rate"], k2["median_seconds"]) == (1, 0, 1, 0.0, None)
    g2d = _clock(k, "G2-d")
    assert (g2d["started"], g2d["met"], g2d["missed"], g2d["open"]) == (2, 1, 1, 0)
    assert g2d["median_seconds"] == 3 * 86400  # A: registered 2 March, closed 5 March
    assert _clock(k, "T3-ack")["started"] == 0 and _clock(k, "T3-ack")["on_time_rate"] is None


def test_satisfaction_and_outcomes(seeded: dict[str, str]) -> None:
    """Follow-up survey results, customer ratings, reopen rate, repeats (G3-a), escalations, crisis (G1)."""
    k = _kpis()
    s = k["satisfaction"]
    assert (s["surveys"], s["survey_average"], s["satisfied"], s["dissatisfied"], s["satisfied_rate"]) == \
        (2, 3.5, 1, 1, 0.5)
    assert s["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert (s["customer_ratings"], s["customer_average"]) == (1, 4.0)
    assert k["outcomes"] == {"reopened": 1, "followed_up": 2, "repeats": 1, "escalated": 1, "crisis": 1,
                             "reopen_rate": 0.5}


def test_lists_car_maker_5_4_and_byd_key(seeded: dict[str, str]) -> None:
    """Car-maker rules 5.4: overdue and not closed; BYD: key (G1/G2) and KPI-missed complaints."""
    lists = _kpis()["lists"]
    assert [c["number"] for c in lists["overdue"]] == [seeded["B"]]
    assert [c["number"] for c in lists["key"]] == [seeded["B"], seeded["C"]]


def test_assessments_per_department_car_maker_4_3(seeded: dict[str, str]) -> None:
    """Car-maker rules 4.3-4.4: assessment proposals counted per department or service point."""
    k = _kpis()
    assert k["assessments"] == [{"target": "Parts", "target_type": "department", "count": 1, "carried_out": 0}]
    period, f = filters.parse({"from": "2026-03-01", "to": "2026-03-31"}, "Asia/Shanghai")
    assert [c.number for c in service.case_list(db.session, "assessment:Parts", period, f)] == [seeded["B"]]


def test_filters(seeded: dict[str, str]) -> None:
    """Filters by kind, channel, grade, tier and department narrow every figure."""
    assert _kpis(kind="grievance")["volume"]["registered"] == 2
    assert _kpis(channel="email")["volume"]["valid"] == 1
    assert _kpis(department="Parts")["volume"]["registered"] == 1
    assert _clock(_kpis(department="Parts"), "T5-first-response")["missed"] == 1
    assert _kpis(grade="G1")["outcomes"]["crisis"] == 1
    assert _kpis(tier="3")["volume"]["registered"] == 0


@pytest.mark.parametrize("metric,count", [
    ("registered", 4), ("valid", 2), ("closed", 1), ("open_at_end", 2), ("reopened", 1), ("repeats", 1),
    ("escalated", 1), ("crisis", 1), ("followed_up", 2), ("kind:grievance", 2), ("grade:-", 1),
    ("clock:T5-first-response:missed", 1), ("clock:T5-first-response:met", 1), ("clock:K2:missed", 1),
    ("clock:G2-d:started", 2), ("overdue", 1), ("key", 2), ("surveyed", 3),
])
def test_every_figure_drills_down_to_its_cases(seeded: dict[str, str], metric: str, count: int) -> None:
    """The drill-down list of a figure has exactly as many cases as the figure says."""
    period, f = filters.parse({"from": "2026-03-01", "to": "2026-03-31"}, "Asia/Shanghai")
    assert len(service.case_list(db.session, metric, period, f)) == count


def test_bad_period_is_a_422_naming_the_field(app: Any) -> None:
    """Bad input gets a clear 4xx saying what to fix."""
    with pytest.raises(Exception) as info:
        filters.parse({"from": "2026-13-01", "tier": "7"}, "UTC")
    assert set(info.value.fields) == {"from", "tier"}  # type: ignore[attr-defined]
