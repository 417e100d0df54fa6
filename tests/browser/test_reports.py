"""The reports page in real headless Chromium: charts drawn in English and Chinese, a figure opens its cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.reports.conftest import seeded  # noqa: F401  (fixture: cases of March 2026)

pytestmark = pytest.mark.browser
QS = "from=2026-03-01&to=2026-03-31"
DRAWN = """id => { const c = document.getElementById(id); if (!c || c.dataset.drawn !== '1') return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""


@pytest.fixture
def page(live_server: str, seeded: dict[str, str], browser: Any) -> Iterator[Any]:  # noqa: F811
    """A Chromium page signed in as the supervisor; JavaScript errors fail the test."""
    errors: list[str] = []
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(f"{live_server}/login")
    pg.fill("#username", "supervisor")
    pg.fill("#password", PASSWORD)
    with pg.expect_navigation():
        pg.press("#password", "Enter")
    yield pg
    pg.close()
    assert errors == [], errors


@pytest.mark.parametrize("lang,heading", [("en", "Reports"), ("zh", "报表")], ids=["en", "zh"])
def test_charts_drawn_and_a_figure_opens_its_cases(page: Any, live_server: str, seeded: dict[str, str],  # noqa: F811
                                                   shots: Any, lang: str, heading: str) -> None:
    """Every chart has painted pixels; clicking the K2-missed figure lists case B and links to it."""
    if lang == "zh":
        page.goto(f"{live_server}/")
        with page.expect_navigation():
            page.click("[data-testid=lang-zh]")
    page.goto(f"{live_server}/reports/?{QS}")
    assert page.locator("h1").inner_text().strip() == heading
    for chart in ("chart-months", "chart-deadlines", "chart-satisfaction"):
        page.wait_for_function(f"() => document.getElementById('{chart}').dataset.drawn === '1'")
        assert page.evaluate(DRAWN, chart) > 500, chart
    shots(page, f"reports-{lang}")
    with page.expect_navigation():
        page.click("a[data-metric='clock:K2:missed']")
    assert "/reports/cases" in page.url and "metric=clock" in page.url
    rows = page.locator("[data-testid=drill-cases] tbody tr")
    assert rows.count() == 1 and seeded["B"] in rows.first.inner_text()
    shots(page, f"drill-{lang}")
    with page.expect_navigation():
        page.click(f"a[href='/cases/{seeded['B']}']")
    assert page.url.endswith(f"/cases/{seeded['B']}")


@pytest.mark.parametrize("lang,valid,closed", [("en", "Valid complaints", "Closed complaints"),
                                               ("zh", "有效投诉", "已关闭投诉")], ids=["en", "zh"])
def test_a_manager_lands_on_the_reports_and_reads_valid_complaints(live_server: str, seeded: dict[str, str],  # noqa: F811
                                                                   browser: Any, shots: Any, lang: str, valid: str,
                                                                   closed: str) -> None:
    """A department head signs in and lands on the reports; March's valid complaints (有效投诉, real-estate rules
    第二条/第五条) are the two grievances, not the new failure mode nor the inquiry; closure rate 1 of 2."""
    from tests.browser.signin import sign_in

    errors: list[str] = []
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(pg, live_server, "depthead", lang)
    assert pg.url.endswith("/reports/")  # the manager's landing
    pg.goto(f"{live_server}/reports/?{QS}")
    volume = pg.locator("[data-testid=table-volume]")
    text = volume.inner_text()
    assert valid in text and closed in text, text
    cells = {key: pg.locator(f"[data-testid=table-volume] td[data-figure='{key}']").inner_text().strip()
             for key in ("registered", "valid", "closed", "closure_rate")}
    assert cells == {"registered": "4", "valid": "2", "closed": "1", "closure_rate": "50.0%"}, cells
    pg.wait_for_function("() => document.getElementById('chart-months').dataset.drawn === '1'")
    shots.part(pg.locator("#h-volume").locator(".."), f"volume-{lang}")
    with pg.expect_navigation():
        pg.click("td[data-figure='valid'] a")
    rows = pg.locator("[data-testid=drill-cases] tbody tr")
    assert sorted(rows.nth(i).inner_text().split()[0] for i in range(rows.count())) == sorted([seeded["A"],
                                                                                              seeded["B"]])
    shots(pg, f"valid-drill-{lang}")
    pg.close()
    assert errors == [], errors
