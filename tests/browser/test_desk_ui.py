"""The staff desk's small things in real headless Chromium, in English and Chinese (issue 14): no '0 open' badge,
Reserve explained, the worklist as cards at 390 px, a favicon, prefilled and folded form help, the compensation in
CNY with its approval threshold, admin counters red only above zero, no bulk panel without rows, translated codes
and an SVG clock icon on admin pages. Screenshots under tests/browser/screenshots/ (git-ignored)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.test_stories import grievance, register, show
from tests.api.test_stories import open_task as api_task
from tests.browser.test_desk import live_pack, open_task  # noqa: F401  (fixture)
from tests.browser.test_grievance_flow import sign_in
from tests.conftest import PASSWORD, Api
from tests.process import answers as a

pytestmark = pytest.mark.browser
RED = "rgb(185, 28, 28)"
RAW_CODES = ("overdue_unclaimed", "user_input", "timer_late", "notice_to_nobody", "T5-first-response",
             "staff_attitude", "tier_1_handler", "⏱")


def admin_page(browser: Any, base: str, lang: str) -> Any:
    """The admin signed in (lands on /admin)."""
    page = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/login")
    if lang == "zh":
        page.click("[data-testid=lang-zh]")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(re.compile(r"/admin/"))
    return page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_worklist_forms_and_admin_read_right(lang: str, live_pack: str, browser: Any, api: Api,  # noqa: F811
                                             shots: Any) -> None:
    zh = lang == "zh"
    number = register(api, grievance(demand="A written apology"))["number"]

    # the worklist: nothing is with me, so no counter badge; Reserve says what it does
    handler = sign_in(browser, live_pack, "handler1", lang)
    handler.goto(f"{live_pack}/?tab=group")
    assert handler.locator("[data-testid=my-counter]").count() == 0
    reserve = handler.locator(f"tr[data-case='{number}'] [data-testid^=claim-]")
    assert reserve.inner_text() == ("预留" if zh else "Reserve")
    assert ("草稿" if zh else "draft") in (reserve.get_attribute("title") or "")
    # the category filter lists the master data by name, not a free-text key box
    category = handler.locator("[data-testid=filter-category] option[value=staff_attitude]")
    assert category.inner_text() == ("服务态度" if zh else "staff attitude")
    shots(handler, "worklist")

    # a real favicon, linked and at /favicon.ico
    icon = handler.locator("link[rel=icon]").get_attribute("href")
    for url in (f"{live_pack}{icon}", f"{live_pack}/favicon.ico"):
        answer = handler.request.get(url)
        assert answer.status == 200 and "svg" in answer.headers["content-type"], url

    # 390 px: one card per task, nothing wider than the screen
    phone = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{live_pack}/login")
    if zh:
        phone.click("[data-testid=lang-zh]")
    phone.fill("#username", "handler1")
    phone.fill("#password", PASSWORD)
    phone.locator("#password").press("Enter")
    phone.wait_for_url(re.compile(r"/(\?.*)?$"))
    phone.goto(f"{live_pack}/?tab=group")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.locator("[data-testid=worklist] thead").is_hidden()
    shots(phone, "worklist-390")

    # step 1: the demand is prefilled; the behaviour help is short, the long guidance folded until opened
    open_task(handler, live_pack, number, "预判" if zh else "Pre-judgement")
    assert handler.input_value("[name=customer_wants]") == "A written apology"
    guidance = handler.locator("[data-field='facts.behaviour'] [data-testid=guidance]")
    assert guidance.get_attribute("open") is None
    guidance.locator("summary").click()
    assert ("积极分子" if zh else "activist") in guidance.inner_text()
    shots(handler, "prejudgement-form")

    # completing without reserving first: the task is reserved for whoever completes it (claim is implicit)
    handler.fill("[name=core_problem]", "Rude reception")
    handler.select_option("[name=intensity]", "general")
    handler.click("[data-testid=complete]")
    handler.locator("[data-testid=task-done]").wait_for()
    done = [e for e in show(api, number)["history"] if e["kind"] == "task_completed"]
    assert [e["actor"] for e in done] == ["handler1"]

    # step 4: the amount in CNY, with the threshold read from the deployed approval table
    for spec, data in (("fact_finding", a.fact_finding()), ("internal_facts", a.internal_facts()),
                       ("responsibility_step", a.responsibility())):
        task = api_task(api, number, spec)  # kept with handler1 ("keep the next step with me") or in the queue
        assert task["assignee"] in (None, "handler1")
        assert api.as_("handler1").post(f"/api/v1/tasks/{task['id']}/complete",
                                        json={"data": data}).status_code == 200
    open_task(handler, live_pack, number, "确认方案" if zh else "Confirm the solution")
    assert handler.inner_text("[data-field=compensation_amount] [data-testid=unit]") == "CNY"
    limit = handler.inner_text("[data-field=compensation_amount] [data-testid=field-limit]")
    assert ("超过 1,000 CNY" if zh else "More than 1,000 CNY") in limit
    shots(handler, "solution-form")

    # the admin: zero counters are not red, no bulk panel without rows, words instead of codes
    admin = admin_page(browser, live_pack, lang)
    assert admin.locator("[data-testid=instances] tbody tr[data-instance]").count() == 0
    assert admin.locator("[data-testid=bulk-panel]").count() == 0
    for status in ("error", "stuck"):
        assert admin.locator(f"[data-testid=count-{status}] .n").inner_text() == "0"
        assert admin.locator(f"[data-testid=count-{status}] .n").evaluate("e => getComputedStyle(e).color") != RED
    text = admin.inner_text("main")
    assert ("等待人员处理" if zh else "Waiting for staff") in text
    assert [c for c in RAW_CODES if c in text] == []
    shots(admin, "admin-home")
    admin.click("[data-testid=count-user_input]")
    assert admin.locator("[data-testid=bulk-panel]").count() == 1
    # a case's instance (the step-3 finding also made an assessment instance, which has no timer)
    rows = admin.locator("[data-testid=instances] tbody tr[data-instance]", has_text="complaint")
    rows.first.locator("a").first.click()
    admin.locator("[data-testid=case-summary]").wait_for()
    assert admin.locator("[data-testid=timer] svg").count() >= 1
    # the human parts (the data dump and the event log stay technical, for repairs)
    text = "\n".join(admin.inner_text(f"[data-testid={part}]") for part in ("case-summary", "tasks", "timers"))
    assert [c for c in RAW_CODES if c in text] == [], text
    shots(admin, "admin-instance")
    shots.part(admin.locator("[data-testid=case-summary]"), "admin-instance-case")
    shots.part(admin.locator("[data-testid=technical]"), "admin-instance-technical")

