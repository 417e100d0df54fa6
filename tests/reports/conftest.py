"""Seeded report data: six cases with known clocks, ratings and outcomes around March 2026 (Shanghai time).

Seed clauses: real-estate rules 五 (valid complaints, closure rate per month), car-maker rules 4.3-5.4 (on-time
rates, overdue-and-not-closed list), BYD KPIs (K1/K2, key and KPI-missed complaints), six-step method step 6.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import GRIEVANCE, instance_of, register
from tests.web.conftest import web, web_factory  # noqa: F401  (fixtures)
from webapp.assessments.service import on_records as keep_assessments
from webapp.deadlines import business_calendar as calendar
from webapp.deadlines import service as deadlines
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Event

SH = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall time in 2026 as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


def _case(when: datetime, **fields: Any) -> Case:
    clock.freeze(when)
    body = {**GRIEVANCE, "customer": {"name": fields.pop("name"), "phone": fields.pop("phone")}}
    case = register(body)
    for key, value in fields.items():
        setattr(case, key, value)
    case.created_at = when
    db.session.commit()
    return case


def _clock(case: Case, kind: str, when: datetime, **details: Any) -> None:
    clock.freeze(when)
    deadlines.on_outcome(db.session, instance_of(case), db.session.get(Case, case.id), [(kind, details)],
                         "waiting", "test", when)
    db.session.commit()


def _event(case: Case, kind: str, when: datetime, **data: Any) -> None:
    db.session.add(Event(case_id=case.id, instance_id=case.instance_id, at=when, actor="test", kind=kind, data=data))
    db.session.commit()


def _close(case: Case, when: datetime, status: str = "closed") -> None:
    case = db.session.get(Case, case.id)
    case.status, case.closed_at = status, when
    db.session.commit()


@pytest.fixture
def seeded(app: Any, users: Any, mini: Any) -> dict[str, str]:
    """Cases A-F; returns their numbers. The expected figures are spelled out in test_kpis.py."""
    calendar.configure(calendar.BusinessCalendar(tz=SH))
    a = _case(at(3, 2, 10), name="A", phone="13900000001", kind="grievance", channel="phone",
              category="staff_attitude", grade="G3")
    _clock(a, "clock_started", at(3, 2, 10), name="T5-first-response", duration="EOD", business_time=True)
    _clock(a, "clock_stopped", at(3, 2, 11, 30), name="T5-first-response")  # met after 1.5 h
    _event(a, "graded", at(3, 2, 10), grade="G3", rule="G3-a")  # a repeat complaint
    _event(a, "survey", at(3, 5, 10), score=5)
    _close(a, at(3, 5, 10))
    b = _case(at(3, 3, 10), name="B", phone="13900000002", kind="grievance", channel="email", category="parts",
              grade="G2", record={"responsible_department": "Parts"})
    _clock(b, "clock_started", at(3, 3, 10), name="T5-first-response", duration="EOD", business_time=True)
    _clock(b, "clock_stopped", at(3, 3, 19), name="T5-first-response")  # after 18:00: missed
    _clock(b, "clock_started", at(3, 3, 10), name="K2", duration="P7D", business_time=False)
    clock.freeze(at(3, 10, 10, 1))
    while deadlines.check_next(db.session, at(3, 10, 10, 1)):  # the worker's breach of K2 (and warnings)
        pass
    proposal = {"target": "Parts", "target_type": "department", "reason": "K2 missed",
                "executor": ["group:integrated_management"]}
    _event(b, "assessment_proposed", at(3, 10, 11), **proposal)
    keep_assessments(db.session, db.session.get(Case, b.id), [("assessment_proposed", proposal)], "timer",
                     at(3, 10, 11))  # the register row the engine's store writes with the event
    db.session.commit()
    for kind, data in (("survey", {"score": 2}), ("case_reopened", {"count": 1}),
                       ("escalated", {"tier": 2, "previous": 1}), ("deadline_escalated", {"clock": "G2-d"})):
        _event(b, kind, at(3, 12, 10), **data)
    c = _case(at(3, 4, 9), name="C", phone="13900000003", kind="new_failure", channel="web", category="engine",
              grade="G1")
    _clock(c, "clock_started", at(3, 4, 9), name="T4-appointment", duration="PT2H", business_time=False)
    _clock(c, "clock_stopped", at(3, 4, 10), name="T4-appointment")  # met after 1 h
    _event(c, "customer_survey", at(3, 21, 10), score=4)
    _close(c, at(3, 20, 10))
    d = _case(at(3, 6, 10), name="D", phone="13900000004", kind="inquiry", channel="phone", category=None,
              grade=None)
    _close(d, at(3, 6, 12), "closed_malicious")
    e = _case(at(2, 20, 10), name="E", phone="13900000005", kind="grievance", channel="phone",
              category="staff_attitude", grade="G4")
    f = _case(at(4, 2, 10), name="F", phone="13900000006", kind="grievance", channel="phone",
              category="staff_attitude", grade="G4")
    clock.freeze(at(4, 10, 10))
    return {"A": a.number, "B": b.number, "C": c.number, "D": d.number, "E": e.number, "F": f.number}


@pytest.fixture
def march() -> dict[str, str]:
    """The query string of March 2026 in Shanghai time."""
    return {"from": "2026-03-01", "to": "2026-03-31", "tz": "Asia/Shanghai"}


def later(delta: timedelta) -> None:
    """Move the frozen clock on."""
    clock.advance(delta)
