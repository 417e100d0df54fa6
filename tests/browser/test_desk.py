"""Decisions at the desk, in real headless Chromium, in English and Chinese: context next to every choice,
explicit answers, the case page at a glance, "keep the next step with me" (issue 14)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.api.test_stories import grievance, register, to_solution, work
from tests.browser.test_grievance_flow import sign_in
from tests.conftest import PASSWORD, Api
from tests.process import answers as a
from tests.web.test_pack_names import pack_names

pytestmark = pytest.mark.browser


@pytest.fixture
def live_pack(app: Flask, users: dict[str, Any], pack: None) -> Iterator[str]:
    """The app with the real process pack served on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def english_pack_names(text: str) -> list[str]:
    """Names of the pack (tasks, lanes, events) that appear untranslated in a page's text."""
    return sorted(n for n in pack_names() if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text))


def open_task(page: Any, base: str, number: str, title: str) -> None:
    """Open a case's task from the case page's next actions."""
    page.goto(f"{base}/cases/{number}")
    page.locator("[data-testid=open-tasks] a", has_text=title).click()
    page.locator("[data-testid=task-form]").wait_for()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_decisions_with_context_explicit_choices_and_a_readable_case(lang: str, live_pack: str, browser: Any,
                                                                     api: Api, shots: Any) -> None:
    zh = lang == "zh"
    seen: list[str] = []
    number = register(api, grievance())["number"]
    to_solution(api, number, "tier_1_handler")
    work(api, number, "solution_step", "tier_1_handler",
         a.solution(solution_types=["apology", "compensation"], compensation_amount=1550))

    # the approver sees the amount being approved next to the choice; sending back is confirmed with its effect
    approver = sign_in(browser, live_pack, "handler2", lang)
    approver.goto(f"{live_pack}/?tab=group")
    shots(approver, "worklist")
    seen.append(approver.inner_text("main"))
    open_task(approver, live_pack, number, "审批方案" if zh else "Approve the solution")
    assert "1,550.00 CNY" in approver.inner_text("[data-testid=deciding-amount]")
    # ... with the threshold that made it need approval, read from the deployed approval_decision table
    assert "1,000 CNY" in approver.inner_text("[data-testid=deciding-limit]")
    assert approver.locator("[name=approval_choice]:checked").count() == 0  # no default
    shots(approver, "decision-form")
    seen.append(approver.inner_text("main"))
    approver.check("[name=approval_choice][value=send_back]")
    approver.click("[data-testid=complete]")
    approver.locator("[data-testid=confirm-negative]").wait_for()
    assert ("退回第四步" if zh else "goes back to step 4") in approver.inner_text("[data-testid=confirm-negative]")
    shots(approver, "confirm-send-back")
    approver.check("[name=confirm_negative]")
    approver.click("[data-testid=complete]")
    approver.locator("[data-testid=task-done]").wait_for()

    work(api, number, "solution_step", "tier_1_handler",
         a.solution(solution_types=["compensation"], compensation_amount=1200))
    work(api, number, "approve", "tier_2_handler", {"approval_choice": "approve"})

    # step 5 cannot be completed without a choice; "keep the next step with me" hands the handler step 5b
    handler = sign_in(browser, live_pack, "handler1", lang)
    open_task(handler, live_pack, number, "沟通方案" if zh else "Tell the customer the solution")
    assert "1,200.00 CNY" in handler.inner_text("[data-testid=deciding]")
    handler.fill("[name=customer_response]", "同意" if zh else "Agreed")
    handler.click("[data-testid=complete]")
    handler.locator("[data-error-for=customer_choice]").wait_for()
    shots(handler, "step5-needs-a-choice")
    seen.append(handler.inner_text("main"))
    handler.check("[name=customer_choice][value=accept]")
    assert handler.is_checked("[data-testid=keep-next]")
    handler.click("[data-testid=complete]")
    handler.locator("[data-testid=task-done]").wait_for()
    nxt = handler.inner_text("[data-testid=next-tasks]")
    assert "handler1" in nxt and ("执行方案" if zh else "Carry out the solution") in nxt, nxt
    seen.append(handler.inner_text("main"))
    handler.locator("[data-testid=next-tasks] a").first.click()
    handler.locator("[data-testid=task-form]").wait_for()
    seen.append(handler.inner_text("main"))

    # the rest of the case through the API, as the people of the story
    from tests.api.test_stories import open_task as api_task
    task = api_task(api, number, "execute")
    assert task["assignee"] == "handler1"
    assert api.as_("handler1").post(f"/api/v1/tasks/{task['id']}/complete",
                                    json={"data": a.execution(compensation_received=True)}).status_code == 200
    work(api, number, "signoff", "department_head", a.signoff())
    work(api, number, "follow_up", "callback_staff", a.followup(5))

    # the closed case reads at a glance: groups collapsed, three screens at most
    agent = sign_in(browser, live_pack, "agent", lang)
    agent.goto(f"{live_pack}/cases/{number}")
    assert agent.locator("[data-testid=step]").count() >= 10
    assert agent.locator("[data-testid=step][open]").count() == 0
    height = agent.evaluate("document.documentElement.scrollHeight")
    assert height <= 3 * 900, height
    shots(agent, "case-page")
    seen.append(agent.inner_text("body"))

    admin = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    admin.goto(f"{live_pack}/login")
    if zh:
        admin.click("[data-testid=lang-zh]")
    admin.fill("#username", "admin")
    admin.fill("#password", PASSWORD)
    admin.locator("#password").press("Enter")
    admin.wait_for_load_state()
    admin.goto(f"{live_pack}/")
    assert "/admin/" in admin.url, admin.url
    shots(admin, "admin-home")

    if zh:
        untranslated = {n for text in seen for n in english_pack_names(text)}
        assert sorted(untranslated) == []
