"""The admin console in real headless Chromium: the diagram highlights the errored element; retry and bulk work."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.admin.conftest import errored_case, fresh
from tests.conftest import PASSWORD
from tests.fixtures import handlers as fixture_handlers

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def live(app: Flask, users: dict[str, Any]) -> Iterator[str]:
    """The app served on a loopback port by a real HTTP server in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    fixture_handlers.FAIL["notify"] = False


@pytest.fixture
def page(live: str, browser: Any) -> Iterator[Any]:
    """A Chromium page signed in as the admin; JavaScript errors fail the test."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    SHOTS.mkdir(exist_ok=True)
    errors: list[str] = []
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(f"{live}/login")
    pg.fill("#username", "admin")
    pg.fill("#password", PASSWORD)
    with pg.expect_navigation():
        pg.press("#password", "Enter")
    assert "/login" not in pg.url, "the admin could not sign in"
    yield pg
    pg.close()
    assert errors == [], errors


def test_instance_page_highlights_the_errored_element_and_retry_completes_it(mini, live, page):
    case = errored_case()
    page.goto(f"{live}/admin/instances/{case.instance_id}")
    page.wait_for_selector("#diagram[data-ready='1']", timeout=15000)
    errored = page.locator("g.djs-element[data-element-id='notify_closed']")
    assert "cl-errored" in (errored.get_attribute("class") or "")
    assert "cl-completed" in (page.locator("g.djs-element[data-element-id='fact_finding']").get_attribute("class"))
    assert "cl-current" in (page.locator("g.djs-element[data-element-id='followup']").get_attribute("class"))
    assert "cl-taken" in (page.locator("g.djs-element[data-element-id='f4']").get_attribute("class"))
    assert "cl-taken" not in (page.locator("g.djs-element[data-element-id='f7']").get_attribute("class"))
    fill = page.evaluate("""() => getComputedStyle(document.querySelector(
        "g.djs-element[data-element-id='notify_closed'] .djs-visual > rect")).fill""")
    assert fill == "rgb(254, 226, 226)"  # the errored colour is really applied, not just the class
    page.locator("#diagram").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "admin_instance_errored.png"), full_page=True)
    assert page.locator("[data-testid=instance-status]").inner_text() == "Stopped on an error"

    fixture_handlers.FAIL["notify"] = False  # the mail settings are fixed
    page.fill("[data-testid=reason-retry]", "mail relay fixed")
    page.click("[data-testid=do-retry]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=instance-status]").inner_text() == "Complete"
    assert "Retry: done; the instance is now: Complete." in page.locator(".flashes").inner_text()
    page.wait_for_selector("#diagram[data-ready='1']", timeout=15000)
    assert "cl-completed" in page.locator("g.djs-element[data-element-id='notify_closed']").get_attribute("class")
    page.screenshot(path=str(SHOTS / "admin_instance_retried.png"), full_page=True)
    assert fresh(case.instance_id).status == "complete"


def test_bulk_retry_from_the_stuck_list_shows_progress_and_a_result_per_instance(mini, live, page):
    cases = [errored_case(name=f"Customer {n}", email=f"c{n}@example.test", phone=f"1360000000{n}")
             for n in range(3)]
    page.goto(f"{live}/admin/instances?stuck=1")
    assert page.locator("[data-testid=instances] tbody tr[data-instance]").count() == 3
    fixture_handlers.FAIL["notify"] = False
    page.check("#check-all")
    page.select_option("[data-testid=bulk-action]", "retry")
    page.fill("[data-testid=reason-bulk]", "mail relay fixed")
    page.click("[data-testid=bulk-selected]")
    page.wait_for_selector("#bulk-progress[data-done='1']", timeout=15000)
    assert page.locator("#bulk-progress progress").get_attribute("value") == "3"
    assert "3 / 3 — 3 done, 0 still failing, 0 refused" in page.locator(".progress-text").inner_text()
    assert page.locator("#bulk-progress tbody tr.result-ok").count() == 3
    page.screenshot(path=str(SHOTS / "admin_bulk_progress.png"), full_page=True)
    assert {fresh(c.instance_id).status for c in cases} == {"complete"}
