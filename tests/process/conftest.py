"""Process-pack tests run the real engine on the pack with a frozen, movable clock (no Flask app, no database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.process.harness import START
from webapp.deadlines import business_calendar as calendar
from webapp.engine import clock


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    """Every test starts on Monday 2026-03-02 09:00 UTC (17:00 in Shanghai), on the default business calendar."""
    calendar.configure(calendar.BusinessCalendar())  # also offers sla_due() to diagram expressions
    clock.freeze(START)
    yield
    clock.reset()
