"""The pages a new user stumbled on, walked again in headless Chromium (en and zh): register form (object
suggestions, an unlisted object, the R1 tick), case page (deadline durations), step 2 (prefills) and the
customer's status page (promised reply time)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.test_stories import work
from tests.browser.test_desk import (
    live_pack,  # noqa: F401  (fixture)
    open_task,
)
from tests.browser.test_grievance_flow import sign_in
from tests.conftest import PASSWORD, Api
from tests.process import answers as a
from webapp.extensions import db
from webapp.masterdata.models import MasterItem

pytestmark = pytest.mark.browser
WORDS = {"en": {"step2": "Fact finding with the customer (step 2)", "t5": "T5 first response (",
                "reply": "We will reply by"},
         "zh": {"step2": "与客户沟通", "t5": "T5 首次响应（", "reply": "承诺答复时间"}}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_walk_register_case_step_2_and_status(lang: str, live_pack: str, browser: Any, shots: Any,  # noqa: F811
                                              api: Api) -> None:
    """R1, T5, G2-b intake and every-customer-is-told, as a user sees them."""
    db.session.add(MasterItem(kind="object", key="VIN-LSV0001", name_en="Li's sedan", name_zh="李的轿车",
                              attrs={"type": "vehicle"}))
    db.session.commit()
    agent = sign_in(browser, live_pack, "agent", lang)
    agent.goto(f"{live_pack}/cases/new")
    solution = agent.locator("[data-field=solution_on_the_spot]")
    assert solution.is_hidden()  # shown only once "Solved on the spot" is ticked
    agent.check("[name=solved_on_the_spot]")
    assert solution.is_visible()
    shots(agent, f"register-ticked-{lang}")
    agent.uncheck("[name=solved_on_the_spot]")
    assert solution.is_hidden()
    assert agent.locator("#f-object-suggestions option").count() == 1
    assert agent.locator("[name='customer.language']").input_value() == lang
    agent.fill("[name='customer.name']", "Wang Wei")
    agent.fill("[name='customer.phone']", "13800138000")
    agent.fill("[name='customer.email']", "wang.wei@example.test")
    agent.select_option("[name=category]", "staff_attitude")
    agent.fill("[name=object]", "VIN LSVAU2180N2183")  # not kept in master data
    agent.fill("[name=subject]", "Engine noise")
    agent.fill("[name=description]", "The engine rattles since the last service.")
    agent.fill("[name=demand]", "Free inspection and repair.")
    shots(agent, f"register-filled-{lang}")
    agent.click("[data-testid=register]")
    agent.wait_for_url(re.compile(r"/cases/CL-"))
    number = agent.url.split("/cases/")[1].split("?")[0]
    page_text = agent.inner_text("main")
    assert WORDS[lang]["t5"] in page_text
    shots(agent, f"case-registered-{lang}")
    work(api, number, "prejudgement", "tier_1_handler", a.prejudgement())
    handler = sign_in(browser, live_pack, "handler1", lang)
    open_task(handler, live_pack, number, WORDS[lang]["step2"])
    assert handler.locator("[name=demand_confirmed]").input_value() == "Free inspection and repair."
    assert handler.locator("[name=promised_reply_at]").input_value()  # the time the acknowledgement gave
    assert "wang.wei@example.test" in handler.inner_text("[data-testid=case-so-far]")
    shots(handler, f"step2-prefilled-{lang}")
    customer = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    customer.goto(f"{live_pack}/public/status?number={number}")
    if lang == "zh":
        customer.goto(f"{live_pack}/login")
        customer.click("[data-testid=lang-zh]")
        customer.goto(f"{live_pack}/public/status?number={number}")
    customer.fill("#phone", "13800138000")
    customer.locator("form.form button[type=submit]").last.click()
    assert WORDS[lang]["reply"] in customer.inner_text("main")
    shots(customer, f"public-status-{lang}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_walk_a_stopped_case_is_explained_to_staff_and_detailed_to_admins(lang: str, live_pack: str,  # noqa: F811
                                                                         browser: Any, shots: Any) -> None:
    """Staff read what a stop means in their language; the expression error is for the administrator."""
    from sqlalchemy import select

    from tests.helpers import register
    from webapp.models import Event, HumanTask, Instance

    case = register()
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).first()
    instance = db.session.get(Instance, case.instance_id)
    technical = "Error evaluating expression '1 // len(department or \"\") >= 0 and answered_at_once'"
    instance.status, instance.error = "error", {"message": technical, "element": "gw"}
    db.session.add(Event(case_id=case.id, instance_id=instance.id, actor="agent", kind="error",
                         data={"message": technical, "element": "gw"}))
    db.session.commit()
    agent = sign_in(browser, live_pack, "handler1", lang)  # the task's queue: the one who answered it
    agent.goto(f"{live_pack}/tasks/{task.id}/done")
    text = agent.inner_text("main")
    assert "Error evaluating" not in text
    assert ("流程中的一条规则" if lang == "zh" else "A rule of the process could not be worked out") in text
    shots(agent, f"stopped-staff-{lang}")
    admin = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    admin.goto(f"{live_pack}/login")
    if lang == "zh":
        admin.click("[data-testid=lang-zh]")
    admin.fill("#username", "admin")
    admin.fill("#password", PASSWORD)
    admin.locator("form button[type=submit]").last.click()
    admin.wait_for_url(re.compile(r"/admin"))
    admin.goto(f"{live_pack}/tasks/{task.id}/done")
    admin.click("[data-testid=error-technical] summary")
    assert "Error evaluating expression" in admin.inner_text("[data-testid=error-technical]")
    shots(admin, f"stopped-admin-{lang}")
