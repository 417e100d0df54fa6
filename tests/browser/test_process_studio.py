"""Issue 12's story in headless Chromium: the owner changes the T1 callback from 3 to 4 hours in the modeler. Written
by hand into the timer, the check flags the clock that still says 3 hours and says to let the timer read the clock;
the owner does, changes the clock's duration (the one place that states the deadline) and deploys with a comment;
a new inquiry runs on 4 hours (timer, promise and clock), a running one keeps its version, and the diff page shows
exactly that one change."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser.conftest import Shots
from tests.conftest import PASSWORD, ROOT
from tests.helpers import GRIEVANCE, register
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Deadline, HumanTask, Instance, Outbox, ProcessDefinition, Timer, User
from webapp.tasks import service as tasks

pytestmark = pytest.mark.browser
# a paste as the browser delivers it to CodeMirror's own paste handler (a function: the CSP forbids string eval)
PASTE = """(el, text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  el.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""
MODELER = {"en": {"type": "Timer Boundary Event (Non Interrupting)", "task": "Create task", "service": "Service Task"},
           "zh": {"type": "定时器边界事件（不中断）", "task": "创建任务", "service": "服务任务"}}
TEXT = {"en": {"sign_in": "Sign in", "deployed": "Deployed", "ok": "No problems"},
        "zh": {"sign_in": "登录", "deployed": "已部署", "ok": "没有问题"}}


@pytest.fixture
def studio(app: Flask, users: dict[str, Any], pack: None) -> Iterator[str]:
    """The app with the real process pack, served on a loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _inquiry_case() -> Any:
    """Register an inquiry that cannot be answered at once, up to the 3/4-hour callback."""
    case = register({**GRIEVANCE, "kind": "inquiry", "category": "sales", "description": "Pump warranty?"})
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.spec_id == "answer",
                                                      HumanTask.state == "open")).one()
    agent = db.session.scalars(select(User).where(User.username == "agent")).one()
    tasks.complete(db.session, task.id, {"question": "Warranty of the pump?", "answered_at_once": False,
                                         "answer": "", "department": "After-sales"}, agent)
    return case


def _panel_field(page: Any, group: str, entry: str) -> Any:
    """An input of the properties panel, its group opened first."""
    field = page.locator(f"#bio-properties-panel-{entry}")
    if not field.is_visible():
        page.click(f"#properties [data-group-id='group-{group}'] .bio-properties-panel-group-header")
    field.wait_for(state="visible")
    return field


def _select(page: Any, element: str) -> None:
    """Click an element of the modeler's diagram."""
    if page.locator(f"#canvas g.djs-element.selected[data-element-id='{element}']").count():
        return  # already selected (a second click would be a double click: label editing)
    page.locator("#canvas").scroll_into_view_if_needed()
    box = page.locator("#canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] - 60, box["y"] + box["height"] - 60)  # empty canvas: the context
    # pad of the selected element closes (at this zoom it covers its neighbours)
    page.locator(f"#canvas g.djs-element[data-element-id='{element}'] .djs-hit").click(force=True)
    page.wait_for_selector(f"#canvas g.djs-element.selected[data-element-id='{element}']", state="attached")


def _set_timer(page: Any, kind: str, value: str) -> None:
    """Change the selected timer's type, then type its value, as an owner does: one after the other.

    Changing the type empties the value (a new expression); the panel shows that after its next frame. Typing before
    that frame is lost when the field catches up (seen under load in CI), so wait for the empty field first.
    """
    _panel_field(page, "timer", "timerEventDefinitionType").select_option(kind)
    timer = _panel_field(page, "timer", "timerEventDefinitionValue")
    expect(timer).to_have_value("")
    timer.fill(value)
    timer.press("Tab")
    expect(_panel_field(page, "timer", "timerEventDefinitionValue")).to_have_value(value)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_owner_changes_the_t1_callback_to_four_hours_in_the_studio(lang: str, studio: str, browser: Any) -> None:
    shots = Shots(f"process_studio-{lang}")
    running = _inquiry_case()
    old_version = db.session.get(Instance, running.instance_id).definition.version
    errors: list[str] = []
    context = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{studio}/login")
    if lang == "zh":
        page.click("[data-testid=lang-zh]")
    page.fill("#username", "owner")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    page.wait_for_url(re.compile(r"/processes/$"))  # the owner's home
    assert page.locator("tr[data-process='inquiry']").count() == 1
    shots(page, "processes")

    # read-only views: the entry process's diagram; its call activity opens `inquiry` with a breadcrumb back
    page.click("tr[data-process='complaint'] a >> text=/View|查看/")
    page.wait_for_selector("#diagram[data-ready='1']", timeout=30000)
    assert page.locator("table.decision[data-decision='grade_decision'] tbody tr").count() > 3
    shots(page, "complaint-version")
    page.locator("#diagram g.djs-element[data-element-id='call_inquiry'] .djs-hit").click(force=True)
    page.wait_for_url(re.compile(r"/processes/inquiry/latest\?trail=complaint"))
    page.wait_for_selector("#diagram[data-ready='1']", timeout=30000)
    assert "complaint v" in page.locator("[data-testid=breadcrumb]").inner_text()
    shots(page, "called-inquiry")
    page.click("a >> text=inquiry_callback.json")
    assert page.locator("[data-testid=preview-zh]").inner_text().count("回电") >= 1
    assert page.locator("[data-testid=preview-en] [name=customer_reached]").count() >= 1
    shots(page, "form-preview")

    page.goto(f"{studio}/processes/")
    page.click("tr[data-process='inquiry'] a >> nth=0")
    page.wait_for_selector("[data-testid=versions]")
    page.click("[data-testid=edit]")
    page.wait_for_selector("#canvas[data-ready='inquiry.bpmn']", timeout=30000)

    # 1. the T1 callback deadline is stated once, by the clock: the boundary timer of the callback reads it
    _select(page, "callback_timer")
    timer_type = _panel_field(page, "timer", "timerEventDefinitionType")
    assert timer_type.input_value() == "timeDate"
    # the modeler speaks the owner's language: element-type header, palette, Closeloop group, bpmnlint button
    header = page.locator("#properties .bio-properties-panel-header-type").text_content()
    assert header == MODELER[lang]["type"], header
    palette_task = page.locator(".djs-palette .entry[data-action='create.task']")
    assert palette_task.get_attribute("aria-label") == MODELER[lang]["task"]
    shots.part(page.locator("#properties"), "properties-panel")
    timer = _panel_field(page, "timer", "timerEventDefinitionValue")
    assert timer.input_value() == "clock_due('T1-callback')"
    # the owner writes 4 hours into the timer by hand, as the diagram used to say it
    _set_timer(page, "timeDuration", '"PT4H"')
    shots(page, "timer-4h")

    # 2. check: the clock that still says 3 hours is flagged on its element
    page.click("[data-testid=run-check]")
    page.wait_for_selector("[data-testid=problems][data-checked='1']", state="attached", timeout=30000)
    problem = page.locator("#problem-list li", has_text="clock_callback")
    assert problem.count() >= 1, page.locator("#problem-list").inner_text()
    assert "PT3H" in problem.first.inner_text()
    assert "clock_due('T1-callback')" in page.locator("#problem-list").inner_text()  # what to write instead
    flagged = problem.first.get_attribute("data-element")
    assert flagged in ("clock_callback", "callback_timer")
    assert "cl-problem" in (page.locator(f"#canvas g.djs-element[data-element-id='{flagged}']")
                            .get_attribute("class") or "")
    assert page.locator(f".cl-problem-note[data-problem-for='{flagged}']").count() == 1
    shots(page, "check-flags-clock")
    problem.first.click()  # selects the flagged element
    page.wait_for_selector(f"#canvas g.djs-element.selected[data-element-id='{flagged}']", state="attached")

    # 3. as the problem says: the timer reads the clock again, and the clock's duration is the one place to change
    _select(page, "callback_timer")
    _set_timer(page, "timeDate", "clock_due('T1-callback')")
    _select(page, "clock_callback")
    duration = _panel_field(page, "closeloop", "spiff-param-duration")
    assert page.locator("#properties .bio-properties-panel-header-type").text_content() == MODELER[lang]["service"]
    assert duration.input_value() == "'PT3H'"
    duration.fill("'PT4H'")
    duration.press("Tab")
    _select(page, "callback_missed")  # the miss record states no duration of its own any more
    expect(page.locator("#bio-properties-panel-spiff-param-clock")).to_be_attached()
    assert page.locator("#bio-properties-panel-spiff-param-duration").count() == 0
    page.click("[data-testid=run-check]")
    page.wait_for_selector("[data-testid=problems][data-checked='2']", state="attached", timeout=30000)
    assert page.locator("#problem-list li").count() == 0, page.locator("#problem-list").inner_text()
    assert TEXT[lang]["ok"] in page.locator("[data-testid=studio-status]").inner_text()
    shots(page, "fixed")

    # 4. deploy with a comment
    page.fill("[data-testid=comment]", "T1 callback promise is 4 hours now")
    page.click("[data-testid=deploy]")
    page.wait_for_selector("[data-testid=versions]")
    assert TEXT[lang]["deployed"] in page.locator(".flashes").inner_text()
    if hasattr(ProcessDefinition, "comment"):  # the backend's version comment
        row = page.locator(f"tr[data-version='{old_version + 1}']").inner_text()
        assert "T1 callback promise is 4 hours now" in row
    shots(page, "deployed")

    # 5. a new inquiry runs on 4 hours; the running one keeps its version
    clock.freeze(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # a Monday, 10:00 in Shanghai
    try:
        fresh = _inquiry_case()
    finally:
        clock.reset()
    db.session.expire_all()
    timer_row = db.session.scalars(select(Timer).where(Timer.instance_id == fresh.instance_id,
                                                       Timer.spec_id == "callback_timer")).one()
    assert timer_row.due_at == datetime(2026, 12, 7, 2, 0, tzinfo=UTC) + timedelta(hours=4)
    deadline = db.session.scalars(select(Deadline).where(Deadline.instance_id == fresh.instance_id,
                                                         Deadline.name == "T1-callback")).one()
    assert deadline.duration == "PT4H"
    promise = db.session.scalars(select(Outbox).where(Outbox.case_id == fresh.id,
                                                      Outbox.template == "inquiry_callback_promise")).one()
    assert promise.payload["within"] == "PT4H"  # what the customer is told follows the clock
    assert db.session.get(Instance, running.instance_id).definition.version == old_version

    # 6. the diff page shows exactly that change
    page.click(f"[data-testid=diff-{old_version + 1}]" if page.locator(f"[data-testid=diff-{old_version + 1}]").count()
               else "[data-testid=versions] a >> nth=0")
    page.goto(f"{studio}/processes/inquiry/diff")
    rows = page.locator("[data-testid=changes] tbody tr")
    changed = sorted(rows.nth(i).get_attribute("data-element") for i in range(rows.count()))
    assert changed == ["clock_callback"], changed  # the timer, the promise and the miss record follow it
    udiff = page.locator("pre.udiff[data-file='inquiry.bpmn']")
    removed = udiff.locator("span.del").all_inner_texts()
    added = udiff.locator("span.add").all_inner_texts()
    assert [line for line in removed if not line.startswith("---")] == [
        "-            <spiffworkflow:parameter id=\"duration\" type=\"any\" value=\"'PT3H'\"/>"], removed
    assert [line for line in added if not line.startswith("+++")] == [
        "+            <spiffworkflow:parameter id=\"duration\" type=\"any\" value=\"'PT4H'\"/>"], added
    shots(page, "diff")
    context.close()
    assert errors == [], errors


def test_form_json_editor_previews_live_and_decision_tables_open_in_dmn_js(studio: str, browser: Any) -> None:
    shots = Shots("process_studio-editors")
    errors: list[str] = []
    page = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 1000}).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{studio}/login")
    page.fill("#username", "owner")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/processes/$"))
    page.goto(f"{studio}/processes/inquiry/edit")
    page.wait_for_selector("#canvas[data-ready='inquiry.bpmn']", timeout=30000)

    # a form: CodeMirror holds the JSON; the preview is the staff form, re-rendered as the owner types
    page.click("#file-tabs a[data-file='inquiry_callback.json']")
    page.wait_for_selector("[data-testid=form-preview][data-ready='1'] [name=customer_reached]")
    assert "Customer reached" in page.locator("[data-testid=form-preview]").inner_text()
    source = (ROOT / "forms" / "inquiry_callback.json").read_text(encoding="utf-8")
    assert '"Customer reached"' in source
    # the owner selects all and pastes the changed JSON; keyboard.insert_text would go through contenteditable,
    # where Chromium turns runs of spaces into no-break spaces (U+00A0) that JSON.parse rejects
    page.locator("#form-editor .cm-content").click()
    page.keyboard.press("Control+a")
    page.locator("#form-editor .cm-content").evaluate(
        PASTE, source.replace('"Customer reached"', '"Customer reached by phone"'))
    # expect() polls without eval: the page's CSP forbids string evaluation (wait_for_function would need it)
    expect(page.locator("[data-testid=form-preview]")).to_contain_text("Customer reached by phone", timeout=30000)
    page.select_option("#preview-lang", "zh")
    expect(page.locator("[data-testid=form-preview]")).to_contain_text("已联系上客户", timeout=30000)
    shots(page, "form-editor")

    # a decision table: dmn-js opens it as a table
    page.click("#file-tabs a[data-file='grade_decision.dmn']")
    page.wait_for_selector("#dmn-editor .tjs-table", timeout=30000)
    assert page.locator("#dmn-editor .tjs-table tbody tr").count() > 3
    shots(page, "dmn-editor")

    # all of it is kept in the draft
    page.click("[data-testid=save-draft]")
    expect(page.locator("[data-testid=studio-status]")).to_have_text("Saved", timeout=30000)
    from webapp.processes.models import ProcessDraft

    db.session.expire_all()
    draft = db.session.scalars(select(ProcessDraft)).one()
    assert "Customer reached by phone" in draft.forms["inquiry_callback.json"]
    assert "grade_decision" in draft.files["grade_decision.dmn"]
    assert errors == [], errors
