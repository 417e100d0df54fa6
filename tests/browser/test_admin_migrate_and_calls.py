"""Admin console in headless Chromium: Migrate (dry run, refusal, confirm, bulk as a job) and the instance diagram
opening a called process with the error marked there (issue 12 items 5 and 6; issue 16 item 4)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.admin.conftest import T0
from tests.admin.test_called_diagrams import broken_timer_case
from tests.admin.test_migrate_jobs import cases, mini_v2
from tests.browser.signin import sign_in
from tests.conftest import Api
from webapp.admin import jobs
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Instance, User

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent / "screenshots" / "admin_migrate_and_calls"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def frozen() -> Iterator[None]:
    """The clock stopped at Monday 2026-03-02 09:00 UTC."""
    clock.freeze(T0)
    yield
    clock.reset()


@pytest.fixture
def live(app: Flask, users: dict[str, Any]) -> Iterator[str]:
    """The app served on a loopback port by a real HTTP server in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def signed_in(live: str, browser: Any) -> Iterator[Any]:
    """A function giving a Chromium page signed in as the admin in a language; JavaScript errors fail the test."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    opened: list[Any] = []

    def open_as(language: str = "en") -> Any:
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        opened.append(pg)
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        return sign_in(pg, live, "admin", language)

    yield open_as
    for pg in opened:
        pg.close()
    assert errors == [], errors


def _classes(page: Any, element: str) -> str:
    return page.locator(f"g.djs-element[data-element-id='{element}']").first.get_attribute("class") or ""


def test_the_diagram_opens_the_called_process_with_the_error_marked_on_its_element(live, signed_in, pack, api: Api):
    _, iid = broken_timer_case(api)
    page = signed_in()
    page.goto(f"{live}/admin/instances/{iid}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-ready", "1", timeout=20000)
    assert "cl-errored-inside" in _classes(page, "call_inquiry") and "cl-call" in _classes(page, "call_inquiry")
    expect(page.locator("[data-testid=diagram-trail]")).to_be_hidden()
    page.locator("g.djs-element[data-element-id='call_inquiry']").first.click()
    expect(diagram).to_have_attribute("data-process", "inquiry", timeout=20000)
    expect(diagram).to_have_attribute("data-ready", "1", timeout=20000)
    assert "cl-errored" in _classes(page, "callback_timer")
    assert "cl-current" in _classes(page, "answer") and "cl-completed" in _classes(page, "start")
    fill = page.evaluate("""() => getComputedStyle(document.querySelector(
        "g.djs-element[data-element-id='callback_timer'] .djs-visual > :first-child")).fill""")
    assert fill == "rgb(254, 226, 226)"  # really red, not only a class
    trail = page.locator("[data-testid=diagram-trail]")
    expect(trail).to_be_visible()
    expect(trail).to_contain_text("complaint › inquiry")
    diagram.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "01-called-process-errored-en.png"), full_page=False)
    trail.locator("a[data-process=complaint]").click()
    expect(diagram).to_have_attribute("data-process", "complaint", timeout=20000)
    expect(diagram).to_have_attribute("data-ready", "1", timeout=20000)
    assert "cl-errored-inside" in _classes(page, "call_inquiry")

    zh = signed_in("zh")
    zh.goto(f"{live}/admin/instances/{iid}")
    expect(zh.locator("#diagram")).to_have_attribute("data-ready", "1", timeout=20000)
    zh.locator("g.djs-element[data-element-id='call_inquiry']").first.click()
    expect(zh.locator("#diagram")).to_have_attribute("data-process", "inquiry", timeout=20000)
    expect(zh.locator("#diagram")).to_have_attribute("data-ready", "1", timeout=20000)
    expect(zh.locator(".legend")).to_contain_text("被调用流程内出错")
    zh.locator("#diagram").scroll_into_view_if_needed()
    zh.screenshot(path=str(SHOTS / "02-called-process-errored-zh.png"), full_page=False)


def test_migrate_from_the_instance_page_dry_run_first_then_a_reason(live, signed_in, mini, frozen):
    [iid] = cases(1)
    mini_v2()
    page = signed_in()
    page.goto(f"{live}/admin/instances/{iid}")
    card = page.locator("[data-testid=migrate]")
    card.scroll_into_view_if_needed()
    card.locator("[data-testid=migrate-dry-run]").click()
    report = page.locator("[data-testid=dry-run]")
    expect(report).to_contain_text("Find the facts")
    expect(report).to_contain_text("kept")
    expect(report.locator("[data-testid=timers-recomputed]")).to_contain_text("23:00")  # 15:00 UTC = 23:00 Shanghai
    page.screenshot(path=str(SHOTS / "03-migrate-dry-run-en.png"), full_page=True)
    page.fill("[data-testid=reason-migrate]", "late timer is 6 hours now")
    page.click("[data-testid=do-migrate]")
    expect(page.locator(".flash-success")).to_contain_text("Migrated from version 1 to 2.")
    expect(page.locator(".instance-head")).to_contain_text("version 2")
    db.session.expire_all()
    assert db.session.get(Instance, iid).definition.version == 2


def test_a_refused_migration_is_shown_clearly_and_bulk_migrate_runs_as_a_job(live, signed_in, mini, frozen):
    ids = cases(2)
    mini_v2()  # version 2 keeps 'Find the facts'; version 3 drops it
    mini_v2(drop_fact_finding=True)
    page = signed_in("zh")
    page.goto(f"{live}/admin/instances/{ids[0]}")
    page.locator("[data-testid=migrate] [data-testid=migrate-dry-run]").click()
    refused = page.locator("[data-testid=migration-refused]")
    expect(refused).to_contain_text("版本 3 中没有 'fact_finding' (Find the facts)")  # the zh page says it in Chinese
    expect(page.locator("[data-testid=do-migrate]")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "04-migrate-refused-zh.png"), full_page=True)

    page.goto(f"{live}/admin/instances?process=complaint")
    for i in ids:
        page.check(f"tr[data-instance='{i}'] input[name=ids]")
    page.click("[data-testid=migrate-selected]")
    expect(page.locator("[data-testid=selection]")).to_contain_text("complaint")
    page.select_option("[data-testid=migrate-version]", "3")
    page.click("[data-testid=migrate-dry-run]")
    expect(page.locator("[data-testid=nothing-to-move]")).to_be_visible()
    expect(page.locator("[data-testid=migrate-queue]")).to_have_count(0)
    page.select_option("[data-testid=migrate-version]", "2")
    page.click("[data-testid=migrate-dry-run]")
    expect(page.locator("[data-testid=dry-run-counts]")).to_contain_text("2 个可以迁移")
    page.screenshot(path=str(SHOTS / "05-bulk-dry-run-zh.png"), full_page=True)
    page.fill("[data-testid=reason-migrate]", "late timer is 6 hours now")
    page.click("[data-testid=migrate-queue]")
    expect(page.locator("[data-testid=job-params]")).to_contain_text("2")
    while jobs.run_batch(db.session):
        pass
    page.reload()
    expect(page.locator("[data-testid=job-counts]")).to_contain_text("2 个完成，0 个仍失败，0 个被拒绝")
    page.screenshot(path=str(SHOTS / "06-bulk-job-done-zh.png"), full_page=True)
    db.session.expire_all()
    assert {db.session.get(Instance, i).definition.version for i in ids} == {2}

    # a job whose refusals the worker stored (code + parameters) shows them in the reader's language
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    job = jobs.create(db.session, "migrate", ids, admin, "facts step replaced", {"to_version": 3})
    while jobs.run_batch(db.session):
        pass
    page.goto(f"{live}/admin/jobs/{job.id}")
    expect(page.locator("[data-testid=job-problems]")).to_contain_text("版本 3 中没有 'fact_finding' (Find all facts)")
    page.screenshot(path=str(SHOTS / "07-job-refusals-zh.png"), full_page=True)

def test_the_grievance_handling_shows_its_steps_and_drills_into_the_current_one(live, signed_in, pack, api: Api):
    """Issue 12: the handling's steps are sub-processes; the admin opens the handling from the grievance and drills
    into the current step, where the waiting task is marked current."""
    from tests.api.test_stories import grievance, register, show, to_solution

    number = register(api, grievance())["number"]
    to_solution(api, number, "tier_1_handler")
    page = signed_in()
    page.goto(f"{live}/admin/instances/{show(api, number)['instance_id']}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-ready", "1", timeout=20000)
    for call, process in (("call_grievance", "grievance"), ("handle", "grievance_handling")):
        page.locator(f"g.djs-element[data-element-id='{call}']").first.click()
        expect(diagram).to_have_attribute("data-process", process, timeout=20000)
        expect(diagram).to_have_attribute("data-ready", "1", timeout=20000)
    assert "cl-current" in _classes(page, "step_solution") and "cl-completed" in _classes(page, "step_facts")
    diagram.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "03-grievance-handling-steps.png"), full_page=False)
    page.locator(".djs-overlays[data-container-id='step_solution'] .bjs-drilldown").first.click()
    expect(page.locator(".bjs-breadcrumbs")).to_contain_text("Solution (step 4)")
    assert "cl-current" in _classes(page, "solution_step")
    page.screenshot(path=str(SHOTS / "04-grievance-handling-step-4.png"), full_page=False)
