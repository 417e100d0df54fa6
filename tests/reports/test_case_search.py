"""Case search: "open" is every state that is not closed; filters by deadline state (overdue, due today)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.helpers import register
from tests.reports.conftest import _clock, at
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case


def _status(number: str, status: str) -> None:
    case = db.session.query(Case).filter_by(number=number).one()
    case.status = status
    db.session.commit()


def test_open_filter_is_every_state_not_closed(web: Any, seeded: dict[str, str]) -> None:
    """Handling, executing, follow-up and reopened cases are open; closed, malicious and terminated are not."""
    for name, status in zip("BEF", ("executing", "follow_up", "reopened"), strict=True):
        _status(seeded[name], status)
    web.login("supervisor")
    html = web.text("/cases/?status=open")
    for name in "BEF":
        assert seeded[name] in html, name
    for name in "ACD":
        assert seeded[name] not in html, name


def test_deadline_filters(web: Any, seeded: dict[str, str]) -> None:
    """Overdue: a clock missed or past due (B's K2); due today: a running clock due before midnight."""
    clock.freeze(at(4, 10, 9))
    g = register()
    _clock(g, "clock_started", at(4, 10, 9), name="T4-appointment", duration="PT2H", business_time=False)
    h = register()
    _clock(h, "clock_started", at(4, 10, 9), name="K1", duration="P14D", business_time=False)
    web.login("supervisor")
    overdue = web.text("/cases/?deadline=overdue")
    assert seeded["B"] in overdue and g.number not in overdue and h.number not in overdue
    today = web.text("/cases/?deadline=due_today")
    assert g.number in today and h.number not in today and seeded["B"] not in today
    clock.advance(timedelta(hours=3))  # 12:00: the T4 appointment (due 11:00) is now overdue
    overdue = web.text("/cases/?deadline=overdue")
    assert g.number in overdue and h.number not in overdue
