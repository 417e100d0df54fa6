"""A grievance from registration to closure in real headless Chromium, in English and in Chinese."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

TEXT = {
    "en": {"sign_in": "Sign in", "register": "Register case", "group_tab": "My groups' queue", "claim": "Reserve",
           "required": "this field is required", "done": "is complete.", "queue": "in the queue of Tier-1 handlers",
           "completed": "Task completed", "ready": "Task ready", "closed": "Closed",
           "kept": "Some fields need fixing; your input is kept.", "followup": "Follow-up call",
           "registration": "Registration and routing", "done_by": "done by {}"},
    "zh": {"sign_in": "登录", "register": "登记投诉", "group_tab": "我所在组的队列", "claim": "预留",
           "required": "此项为必填", "done": "已完成", "queue": "在 一级处理人员 的队列中",
           "completed": "任务完成", "ready": "任务待办", "closed": "已关闭",
           "kept": "部分字段需要修改；您输入的内容已保留。", "followup": "回访",
           "registration": "登记和分派", "done_by": "由 {} 完成"},
}


def sign_in(browser: Any, base: str, username: str, lang: str) -> Any:
    """A fresh browser context signed in as a user, in a language chosen on the sign-in page."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login")
    if lang == "zh":
        page.click("[data-testid=lang-zh]")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    return page


def complete_task(page: Any, fill: dict[str, str]) -> None:
    """Fill fields by name and press Complete."""
    for name, value in fill.items():
        field = page.locator(f"[name='{name}']")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.click("[data-testid=complete]")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_grievance_from_registration_to_closure(lang: str, live_server: str, browser: Any, shots: Any) -> None:
    t = TEXT[lang]
    customer = "Li Lei" if lang == "en" else "李雷"

    # 1. an agent registers a phone grievance
    agent = sign_in(browser, live_server, "agent", lang)
    agent.click(f"nav >> text={t['register']}")
    agent.fill("[name='customer.name']", customer)
    agent.fill("[name='customer.phone']", "13800000001")
    agent.select_option("[name=channel]", "phone")
    agent.select_option("[name=kind]", "grievance")
    agent.select_option("[name=category]", "staff_attitude")  # master data: a list, not free text
    agent.fill("[name=description]", "The receptionist was rude" if lang == "en" else "前台接待态度恶劣")
    shots(agent, "register-form")
    agent.click("[data-testid=register]")
    banner = agent.locator("[data-testid=registered]")
    banner.wait_for()
    number = re.search(r"CL-\d{4}-\d{6}", banner.inner_text()).group(0)
    assert t["queue"] in banner.inner_text() and "G4" in banner.inner_text()
    shots(agent, "registered")

    # 2. a tier-1 handler sees it on top of the group queue and claims it
    handler = sign_in(browser, live_server, "handler1", lang)
    handler.click(f"text={t['group_tab']}")
    first_row = handler.locator("[data-testid=worklist] tbody tr").first
    assert first_row.get_attribute("data-case") == number
    shots(handler, "queue")
    first_row.get_by_role("button", name=t["claim"]).click()  # claiming opens the task
    handler.locator("[data-testid=task-form]").wait_for()

    # 3. submits fact finding without the required cause: error next to the field, ticked box kept
    handler.check("[name=media_mentioned]")
    handler.click("[data-testid=complete]")
    error = handler.locator("[data-error-for=cause]")
    error.wait_for()
    assert error.inner_text() == t["required"]
    assert handler.locator("[data-testid=form-errors]").inner_text() == t["kept"]
    assert handler.is_checked("[name=media_mentioned]")
    shots(handler, "missing-cause")

    # 4. fixes it and completes (leaving the next step to the group); the page says what happens next
    handler.uncheck("[data-testid=keep-next]")
    complete_task(handler, {"cause": "Staff member overworked" if lang == "en" else "员工过度劳累"})
    done = handler.locator("[data-testid=task-done]")
    done.wait_for()
    assert t["done"] in done.inner_text() and t["queue"] in done.inner_text()
    shots(handler, "completed")

    # 5. the next task is in the right colleague's queue (tier-1, unclaimed), not in another group's
    colleague = sign_in(browser, live_server, "handler1b", lang)
    colleague.click(f"text={t['group_tab']}")
    row = colleague.locator(f"tr[data-case='{number}']")
    assert "Agree the solution" in row.inner_text()
    shots(colleague, "colleague-queue")
    other = sign_in(browser, live_server, "handler2", lang)
    other.click(f"text={t['group_tab']}")
    assert other.locator(f"tr[data-case='{number}']").count() == 0
    row.get_by_role("button", name=t["claim"]).click()
    complete_task(colleague, {"solution_type": "apology"})
    colleague.locator("[data-testid=task-done]").wait_for()

    # 6. customer service makes the follow-up call; the satisfied customer closes the case
    agent.goto(f"{live_server}/cases/{number}")
    agent.locator("[data-testid=open-tasks] a", has_text=t["followup"]).click()
    complete_task(agent, {"satisfaction": "5"})
    agent.locator("[data-testid=task-done]").wait_for()
    agent.goto(f"{live_server}/cases/{number}")
    assert agent.locator("[data-testid=case-status]").inner_text() == t["closed"]

    # 7. the timeline: one group per step, newest first, each saying who completed it; collapsed once closed
    steps = agent.locator("[data-testid=timeline] [data-testid=step]")
    summaries = steps.locator("summary").all_inner_texts()
    assert [s.split("·")[0].strip() for s in summaries] == [
        t["followup"], "Agree the solution", "Find the facts", t["registration"]]
    for summary, who in zip(summaries[:3], ("agent", "handler1b", "handler1"), strict=True):
        assert t["done_by"].format(who) in summary, (summary, who)
    assert all(steps.nth(i).get_attribute("open") is None for i in range(len(summaries)))

    # 8. opened, each step shows its events (claims are quiet there, issue 14): who completed it, the facts entered
    for i in range(len(summaries)):
        steps.nth(i).locator("summary").click()
    shots(agent, "timeline-closed")
    facts, solution = steps.nth(2).inner_text(), steps.nth(1).inner_text()
    for text in (f"{t['completed']} · handler1\n", "Staff member overworked" if lang == "en" else "员工过度劳累"):
        assert text in facts, text
    assert f"{t['completed']} · handler1b" in solution
    assert t["ready"] in agent.locator("[data-testid=timeline]").inner_text()
