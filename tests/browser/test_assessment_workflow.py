"""An assessment proposal as worklist tasks in real headless Chromium, in English and Chinese (car-maker rules
4.3-4.4): the register links the integrated management department's task; its form has no default choice and asks
a rejection for its reason; finance carries the accepted one out from its own task; the register follows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_grievance_flow import sign_in
from tests.conftest import ROOT
from tests.helpers import register

pytestmark = pytest.mark.browser
TEXT = {"en": {"decide": "Decide the assessment", "carry": "Carry out the assessment", "accepted": "Accepted",
               "carried": "Carried out by finance", "required": "this field is required"},
        "zh": {"decide": "审定考核意见", "carry": "执行考核", "accepted": "已同意", "carried": "财务部已执行",
               "required": "此项为必填"}}


@pytest.fixture
def proposal(app: Any, users: Any, mini: Any, tmp_path: Path) -> dict[str, Any]:
    """The real `assessment` process deployed beside the fixture pack, and one proposal made as the store makes it
    (a T4 appointment missed by service point SP-12)."""
    from webapp.assessments.service import on_records, start_pending
    from webapp.assessments.service import register as rows
    from webapp.engine.clock import now
    from webapp.extensions import db
    from webapp.workflow.definitions import deploy_directory
    from webapp.workflow.transitions import start_instance

    shutil.copy(ROOT / "processes" / "assessment.bpmn", tmp_path / "assessment.bpmn")
    deploy_directory(db.session, tmp_path, ROOT / "forms", "test")
    case = register()
    on_records(db.session, case, [("assessment_proposed", {"target": "SP-12", "target_type": "service_point",
                                                           "reason": "T4 appointment missed"})], "timer", now())
    start_pending(db.session, "timer", start_instance)
    db.session.commit()
    [row] = rows(db.session)
    assert row.instance_id is not None
    return {"case": case.number, "id": row.id}


def _open_task(page: Any, base: str, assessment: int) -> None:
    page.goto(f"{base}/assessments/")
    page.locator(f"tr[data-assessment='{assessment}'] [data-testid=assessment-task]").click()
    page.locator("[data-testid=task-form]").wait_for()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_assessment_decided_and_carried_out_through_worklist_tasks(browser: Any, live_server: str,
                                                                   proposal: dict[str, Any], shots: Any,
                                                                   lang: str) -> None:
    from playwright.sync_api import expect

    words, errors = TEXT[lang], []
    row_of = f"tr[data-assessment='{proposal['id']}']"
    integrated = sign_in(browser, live_server, "integrated", lang)
    integrated.on("pageerror", lambda exc: errors.append(str(exc)))
    _open_task(integrated, live_server, proposal["id"])
    expect(integrated.locator("body")).to_contain_text(words["decide"])
    radios = integrated.locator("input[name=assessment_decision]")
    expect(radios).to_have_count(2)
    for i in range(2):
        expect(radios.nth(i)).not_to_be_checked()  # an explicit choice: nothing is chosen for you
    shots(integrated, f"decide-{lang}")
    integrated.check("input[name=assessment_decision][value=reject]")
    integrated.click("[data-testid=complete]")  # a rejection without a reason is refused, saying what to fix
    expect(integrated.locator("body")).to_contain_text(words["required"])
    integrated.check("input[name=assessment_decision][value=accept]")
    integrated.fill("[name=assessment_amount]", "500")
    integrated.fill("[name=assessment_measure]", "Retrain the reception of SP-12")
    integrated.click("[data-testid=complete]")
    integrated.goto(f"{live_server}/assessments/")
    expect(integrated.locator(row_of)).to_have_attribute("data-state", "accepted")
    expect(integrated.locator(row_of)).to_contain_text("500.00")
    expect(integrated.locator(row_of)).to_contain_text(words["accepted"])
    expect(integrated.locator(f"{row_of} [data-testid=assessment-task]")).to_contain_text(words["carry"])

    finance = sign_in(browser, live_server, "finance", lang)
    finance.on("pageerror", lambda exc: errors.append(str(exc)))
    _open_task(finance, live_server, proposal["id"])
    expect(finance.locator("body")).to_contain_text(words["carry"])
    finance.check("[name=assessment_executed]")
    finance.fill("[name=assessment_note]", "Deducted in the March settlement")
    finance.click("[data-testid=complete]")
    finance.goto(f"{live_server}/assessments/")
    expect(finance.locator(row_of)).to_have_attribute("data-state", "carried_out")
    expect(finance.locator(row_of)).to_contain_text(words["carried"])
    expect(finance.locator(f"{row_of} [data-testid=assessment-task]")).to_have_count(0)
    shots(finance, f"carried-out-{lang}")
    assert errors == []
