"""The pack's forms as a staff member meets them (issue 14, forms): optional person, names on one line, the
compensation with its currency and the approval threshold read from the deployed table, short help with the
long guidance folded away, the customer's demand and own web rating prefilled, distinct titles, ratings as n/5."""

from __future__ import annotations

import html
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.api.test_stories import grievance, open_task, register, show, to_solution, work
from tests.conftest import ROOT, Api
from tests.process import answers as a
from webapp.cases import public, sofar
from webapp.cases import service as cases
from webapp.extensions import db
from webapp.tasks.formfields import build_fields
from webapp.workflow.thresholds import field_limits, threshold

FORMS = sorted((ROOT / "forms").glob("*.json"))
DMN = (ROOT / "processes" / "approval_decision.dmn").read_text()


def form(name: str) -> dict[str, Any]:
    """One form of the pack."""
    return json.loads((ROOT / "forms" / f"{name}.json").read_text())


def to_follow_up(api: Api) -> str:
    """A grievance worked through the six steps up to the follow-up call; its number."""
    number = register(api, grievance())["number"]
    to_solution(api, number, "tier_1_handler")
    work(api, number, "solution_step", "tier_1_handler", a.solution())
    work(api, number, "communicate", "tier_1_handler", {"customer_choice": "accept", "customer_response": "ok"})
    work(api, number, "execute", "tier_1_handler", a.execution())
    work(api, number, "signoff", "department_head", a.signoff())
    return number


def test_person_at_fault_is_optional_and_the_case_moves_on_without_one(api: Api, pack: None) -> None:
    # the help says "Name, if any": a judgement without a person is complete; the diagram still reads the field
    assert "responsible_person" not in form("responsibility")["required"]
    number = register(api, grievance())["number"]
    for spec, data in (("prejudgement", a.prejudgement()), ("fact_finding", a.fact_finding()),
                       ("internal_facts", a.internal_facts())):
        work(api, number, spec, "tier_1_handler", data)
    answer = {k: v for k, v in a.responsibility().items() if k != "responsible_person"}
    done = work(api, number, "responsibility_step", "tier_1_handler", answer)
    assert [t["task_spec"] for t in done["next_tasks"]] == ["solution_step"]
    assert show(api, number)["record"]["responsibility"] == "company"


@pytest.mark.parametrize("name, key", [("responsibility", "responsible_person"),
                                       ("responsibility", "responsible_department"), ("solution", "solution_executor"),
                                       ("coordination", "responsible_person"), ("department_reply", "replied_by"),
                                       ("rescue_ack", "technician"), ("coordination_notice", "signed_by")])
def test_names_are_single_line_inputs(name: str, key: str, app: Any) -> None:
    with app.test_request_context():
        [fld] = [f for f in build_fields(form(name), {}, {}, "en", "Asia/Shanghai") if f.name == key]
    assert fld.widget == "text"


@pytest.mark.parametrize("path", FORMS, ids=[p.stem for p in FORMS])
def test_no_two_fields_of_a_form_share_a_title(path: Path) -> None:
    props = json.loads(path.read_text()).get("properties", {})
    for key in ("title", "x-title-zh"):
        titles = [p.get(key) for p in props.values() if p.get(key)]
        assert len(titles) == len(set(titles)), (key, titles)


def test_threshold_is_read_from_the_decision_table_not_copied() -> None:
    assert threshold({"approval_decision.dmn": DMN}, "approval_decision", "compensation_amount") == 1000
    changed = DMN.replace("? &gt; 1000", "? &gt; 2500")
    assert threshold({"x.dmn": changed}, "approval_decision", "compensation_amount") == 2500
    instance = SimpleNamespace(definition=SimpleNamespace(files={"approval_decision.dmn": changed}))
    assert field_limits(instance, form("solution")) == {"compensation_amount": 2500}  # type: ignore[arg-type]
    assert "1000" not in json.dumps(form("solution"))  # the form names the table, not the number


@pytest.mark.parametrize("lang, words", [("en", ["CNY", "More than 1,000 CNY needs the next tier's approval."]),
                                         ("zh", ["CNY", "超过 1,000 CNY 须上一层级批准。"])])
def test_compensation_shows_currency_and_the_approval_threshold(lang: str, words: list[str], api: Api,
                                                                web_factory: Any, pack: None) -> None:
    number = register(api, grievance())["number"]
    to_solution(api, number, "tier_1_handler")
    handler = web_factory().login("handler1")
    handler.post("/language", {"language": lang, "next": "/"})
    page = handler.text(f"/tasks/{open_task(api, number, 'solution_step')['id']}")
    assert 'data-testid="unit">CNY<' in page
    for word in words:
        assert word in html.unescape(page), word


@pytest.mark.parametrize("name", ["prejudgement", "fact_finding", "internal_facts"])
def test_behaviour_help_is_short_and_the_guidance_folds_away(name: str, app: Any) -> None:
    behaviour = form(name)["properties"]["facts"]["properties"]["behaviour"]
    assert len(behaviour["description"]) <= 160 and len(behaviour["x-description-zh"]) <= 80
    # domain section 7: the four behaviour types and how to handle them, kept whole in the guidance
    for kind in ("passive", "talker", "angry", "activist"):
        assert kind in behaviour["x-guidance"]
    with app.test_request_context():
        facts = next(f for f in build_fields(form(name), {}, {}, "zh", "Asia/Shanghai") if f.name == "facts")
    shown = next(c for c in facts.children if c.name == "facts.behaviour")
    assert shown.guidance.startswith("消极者") and len(shown.help) <= 80


def test_customer_demand_prefills_what_the_customer_wants(api: Api, web_factory: Any, pack: None) -> None:
    number = register(api, grievance(demand="A written apology"))["number"]
    task = open_task(api, number, "prejudgement")
    assert api.as_("handler1").get(f"/api/v1/tasks/{task['id']}").get_json()["data"]["customer_wants"] == \
        "A written apology"
    page = web_factory().login("handler1").text(f"/tasks/{task['id']}")
    assert ">A written apology</textarea>" in page


def test_customers_own_web_rating_prefills_the_follow_up_call(api: Api, web_factory: Any, pack: None) -> None:
    number = to_follow_up(api)
    task = open_task(api, number, "follow_up")
    assert api.as_("caller").get(f"/api/v1/tasks/{task['id']}").get_json()["data"].get("satisfaction") is None
    assert public.record_survey(db.session, number, "13800000001", 4, "Quick and polite")
    assert api.as_("caller").get(f"/api/v1/tasks/{task['id']}").get_json()["data"]["satisfaction"] == 4
    page = web_factory().login("caller").text(f"/tasks/{task['id']}")
    assert 'value="4" selected>4/5<' in page or 'value="4" checked' in page, page


def test_rating_reads_as_n_of_5_on_the_case_so_far(api: Api, app: Any, pack: None) -> None:
    number = to_follow_up(api)
    work(api, number, "follow_up", "callback_staff", a.followup(5))
    with app.test_request_context():
        panel = sofar.assemble(db.session, cases.get_by_number(db.session, number), "en")
    assert [d.choice for d in panel.ratings] == ["5/5"]
