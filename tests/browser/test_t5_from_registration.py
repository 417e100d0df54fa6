"""T5 on the case page in headless Chromium (en, zh): a grievance registered at 17:00 and classified at 17:40 is due
at 18:00, the end of the working day it was received on (domain §5 T5; seeds: "一旦接到投诉,我们要尽快与投诉人
取得联系", "客户一旦投诉,…应立即予以回应"), not at the end of the day counted from its classification."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.browser.conftest import Shots
from tests.browser.signin import sign_in
from tests.browser.test_process_studio import studio  # noqa: F401  (fixture: the real pack served)
from tests.conftest import T0
from tests.helpers import GRIEVANCE, complete, register
from webapp.deadlines import business_calendar as calendar
from webapp.deadlines.models import Deadline
from webapp.engine import clock
from webapp.extensions import db

pytestmark = pytest.mark.browser
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def classified_late(studio: str) -> Any:  # noqa: F811
    """A grievance of unknown kind registered Monday 17:00 Shanghai, classified at 17:40."""
    calendar.configure(calendar.BusinessCalendar(tz=SH))
    clock.freeze(T0)  # Monday 09:00 UTC = 17:00 Shanghai
    case = register({**GRIEVANCE, "kind": None, "category": None, "subject": None})
    clock.advance(timedelta(minutes=40))
    complete(case, "Classify the contact", {"kind": "grievance", "category": "staff_attitude",
                                            "subject": "Service point 7"}, "agent")
    yield case
    clock.reset()
    calendar.configure(calendar.BusinessCalendar(tz=SH))


@pytest.mark.parametrize("lang,name", [("en", "T5 first response"), ("zh", "T5 首次响应")])
def test_t5_on_the_case_page_counts_from_registration(lang: str, name: str, studio: str,  # noqa: F811
                                                      classified_late: Any, browser: Any) -> None:
    t5 = db.session.scalars(select(Deadline).where(Deadline.case_id == classified_late.id,
                                                   Deadline.name == "T5-first-response")).one()
    assert (t5.started_at, t5.due_at) == (T0, T0 + timedelta(hours=1))  # 17:00 -> 18:00 Shanghai
    shots = Shots(f"t5_from_registration-{lang}")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, studio, "supervisor", lang)
    page.goto(f"{studio}/cases/{classified_late.number}")
    due = page.locator(f"dt:has-text('{name}') + dd").first
    assert "18:00" in due.inner_text(), due.inner_text()  # the due time, in the reader's zone (Shanghai)
    shots(page, "case-page")
    page.close()
