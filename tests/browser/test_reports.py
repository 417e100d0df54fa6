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
