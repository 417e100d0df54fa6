"""The assessment and lessons registers in real headless Chromium, in English and Chinese: integrated management
filters and decides proposals, finance records one as carried out (car-maker rules 4.3-4.4); the owner of a
step-6 improvement marks it done (six-step method, step 6)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.helpers import deploy_assessment_process, register

pytestmark = pytest.mark.browser
TEXTS = {
    "en": {"assessments": "Assessments", "lessons": "Lessons", "accepted": "Accepted", "rejected": "Rejected",
           "carried": "Carried out by finance", "done": "Done", "open": "Not done yet",
           "decided": "Assessment decided."},
    "zh": {"assessments": "考核", "lessons": "经验教训", "accepted": "已同意", "rejected": "已驳回",
           "carried": "财务部已执行", "done": "完成", "open": "未完成", "decided": "考核已决定。"},
}


@pytest.fixture
def registers(app: Any, users: Any, mini: Any, tmp_path: Path) -> dict[str, Any]:
    """Three proposals (T4 appointment missed, K2 missed, step 3's finding) and two lessons on one case."""
    deploy_assessment_process(tmp_path)
    from webapp.assessments.models import Assessment
    from webapp.extensions import db
    from webapp.lessons.models import Lesson

    case = register()
    rows = [Assessment(case_id=case.id, case_number=case.number, target=target, target_type=kind, rule=rule)
            for target, kind, rule in (("Parts", "department", "T4 appointment missed"),
                                       ("North service point", "service_point", "K2 missed"),
                                       ("Sales", "department", "step 3: the dealer promised a refund"))]
    lessons = [Lesson(case_id=case.id, case_number=case.number, category="parts", subject="brake noise",
                      cause="Parts arrived late", risk="Repeat complaints", improvement="Keep two sets in stock",
                      owner="integrated", due_date=date(2026, 1, 10), linked_cases=[case.number]),
               Lesson(case_id=case.id, case_number=case.number, category="engine", subject="idle",
                      cause="Wrong diagnosis", risk="Safety", improvement="Second opinion on engine faults",
                      owner="gm", linked_cases=[case.number])]
    db.session.add_all(rows + lessons)
    db.session.commit()
    return {"case": case.number, "ids": [r.id for r in rows], "lessons": [lesson.id for lesson in lessons]}


@pytest.fixture
def chromium(browser: Any) -> Iterator[Any]:
    """The session's headless Chromium (tests/browser/conftest.py); JavaScript errors on any page fail the test."""
    yield browser


def _sign_in(chromium: Any, live_server: str, username: str, lang: str, errors: list[str]) -> Any:
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.press("#password", "Enter")
    if lang == "zh":
        with page.expect_navigation():
            page.click("[data-testid=lang-zh]")
    return page


def _submit(page: Any, row: Any, button: str) -> None:
    with page.expect_navigation():
        row.locator(f"button[type=submit]:has-text('{button}')").click()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_assessments_decided_and_carried_out(chromium: Any, live_server: str, registers: dict[str, Any],
                                             shots: Any, lang: str) -> None:
    """Integrated management accepts one proposal with an amount and rejects one with a reason; the state filter
    shows each; finance records the accepted one as carried out."""
    from playwright.sync_api import expect

    errors: list[str] = []
    words = TEXTS[lang]
    first, second, _third = registers["ids"]
    page = _sign_in(chromium, live_server, "integrated", lang, errors)
    with page.expect_navigation():
        page.click(f"nav a:has-text('{words['assessments']}')")
    expect(page.locator("h1")).to_have_text(words["assessments"])
    expect(page.locator("[data-testid=assessment-register] tbody tr[data-state=proposed]")).to_have_count(3)
    shots(page, f"assessments-proposed-{lang}")
    row = page.locator(f"tr[data-assessment='{first}']")
    row.locator("input[value=accept]").check()
    row.locator("input[name=amount]").fill("500")
    _submit(page, row, "Record decision" if lang == "en" else "记录决定")
    expect(page.locator(".flash")).to_contain_text(words["decided"])
    row = page.locator(f"tr[data-assessment='{second}']")
    row.locator("input[value=reject]").check()
    _submit(page, row, "Record decision" if lang == "en" else "记录决定")  # no reason: refused, says what to fix
    expect(page.locator(".flash-error")).to_contain_text("reason")
    row = page.locator(f"tr[data-assessment='{second}']")
    row.locator("input[value=reject]").check()
    row.locator("input[name=reason]").fill("the service point was closed by the typhoon")
    _submit(page, row, "Record decision" if lang == "en" else "记录决定")
    page.select_option("select[name=state]", "accepted")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    register_rows = page.locator("[data-testid=assessment-register] tbody tr")
    expect(register_rows).to_have_count(1)
    expect(register_rows.first).to_contain_text(words["accepted"])
    expect(register_rows.first).to_contain_text("500.00")
    shots(page, f"assessments-accepted-{lang}")
    page.select_option("select[name=state]", "rejected")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    expect(register_rows.first).to_contain_text("typhoon")
    expect(register_rows.first).to_contain_text(words["rejected"])
    page.close()

    page = _sign_in(chromium, live_server, "finance", lang, errors)
    page.goto(f"{live_server}/assessments/")
    row = page.locator(f"tr[data-assessment='{first}']")
    expect(row.locator("input[name=amount]")).to_have_count(0)  # finance does not decide
    row.locator("input[name=note]").fill("deducted from the March settlement")
    _submit(page, row, "Record as carried out" if lang == "en" else "记录为已执行")
    row = page.locator(f"tr[data-assessment='{first}']")
    expect(row).to_have_attribute("data-state", "carried_out")
    expect(row).to_contain_text(words["carried"])
    expect(row).to_contain_text("March settlement")
    shots(page, f"assessments-carried-out-{lang}")
    assert errors == [], errors


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lessons_searched_and_marked_done(chromium: Any, live_server: str, registers: dict[str, Any],
                                         shots: Any, lang: str) -> None:
    """Staff search the lessons by words, category and state; the owner marks an improvement done and only the
    owner sees the button."""
    from playwright.sync_api import expect

    errors: list[str] = []
    words = TEXTS[lang]
    mine, others = registers["lessons"]
    page = _sign_in(chromium, live_server, "integrated", lang, errors)
    with page.expect_navigation():
        page.click(f"nav a:has-text('{words['lessons']}')")
    expect(page.locator("h1")).to_have_text(words["lessons"])
    rows = page.locator("[data-testid=lessons-register] tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator(f"tr[data-lesson='{others}'] button")).to_have_count(0)  # not the owner
    shots(page, f"lessons-{lang}")
    page.fill("input[name=q]", "stock")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Keep two sets in stock")
    page.select_option("select[name=category]", "engine")
    page.fill("input[name=q]", "")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Second opinion")
    page.goto(f"{live_server}/lessons/")
    row = page.locator(f"tr[data-lesson='{mine}']")
    expect(row).to_contain_text(words["open"])
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    row = page.locator(f"tr[data-lesson='{mine}']")
    expect(row).to_have_attribute("data-state", "done")
    expect(row).to_contain_text(words["done"])
    page.select_option("select[name=state]", "done")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    expect(rows).to_have_count(1)
    shots(page, f"lessons-done-{lang}")
    assert errors == [], errors
