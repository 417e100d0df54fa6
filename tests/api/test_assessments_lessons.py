"""Issue 15 parts 2 and 3 through the JSON API with the real pack and real users.

Car-maker rules 4.3-4.4: an assessment proposed for a missed deadline is decided by the integrated management
department and carried out by finance; six-step method step 6 (summary and reflection): the review keeps a lesson
that handlers of a new case of the same category see.
"""
from __future__ import annotations

from typing import Any

from tests.api.test_stories import (  # noqa: F401  (frozen: the movable clock of the stories)
    T0,
    frozen,
    grievance,
    move_clock,
    open_task,
    register,
    sent,
    show,
    work,
)
from tests.conftest import Api
from tests.process import answers as a
from tests.web.conftest import web_factory  # noqa: F401  (fixture)
from webapp.extensions import db
from webapp.lessons.models import Lesson


def signed_in(web_factory: Any) -> Any:  # noqa: F811
    """A function giving a browser-like client signed in as a user."""
    return lambda user: web_factory().login(user)


def _claim_and_complete(api: Api, user: str, number: str, spec: str, data: dict[str, Any]) -> None:
    task = open_task(api, number, spec)
    assert api.as_(user).post(f"/api/v1/tasks/{task['id']}/claim").status_code == 200
    done = api.as_(user).post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data})
    assert done.status_code == 200, done.get_json()


def _missed_t4_appointment(api: Api) -> str:
    body = grievance(kind="new_failure", category="product_quality", subject="Display",
                     description="Display goes black after 10 minutes", demand="Repair")
    number = str(register(api, body)["number"])
    _claim_and_complete(api, "agent", number, "prepare",
                        {"part": "Display unit", "failure_mode": "Black after 10 min", "service_point": "SP-12"})
    assert move_clock(hours=2, seconds=1) == 1  # the T4 appointment (2 h) is missed
    return number


def _assessments(api: Api, user: str, state: str = "") -> list[dict[str, Any]]:
    r = api.as_(user).get(f"/api/v1/assessments?state={state}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["assessments"]  # type: ignore[no-any-return]


def test_car_maker_4_3_missed_T4_appointment_assessment_decided_by_integrated_and_carried_out_by_finance(
        api: Api, pack: None, web_factory: Any) -> None:  # noqa: F811
    number = _missed_t4_appointment(api)
    [row] = _assessments(api, "integrated", "proposed")
    assert (row["case_number"], row["target"], row["target_type"]) == (number, "SP-12", "service_point")
    assert sent(number, "assessment_to_decide") == {("in_app", "group:integrated_management")}
    path = f"/api/v1/assessments/{row['id']}"
    # only integrated management decides; finance cannot carry out what is not accepted
    assert api.as_("finance").post(f"{path}/decision", json={"decision": "accept", "amount": 200}).status_code == 403
    assert api.as_("finance").post(f"{path}/execution", json={}).status_code == 409  # not accepted yet
    bad = api.as_("integrated").post(f"{path}/decision", json={"decision": "accept"})
    assert bad.status_code == 422 and "amount" in bad.get_json()["error"]["fields"]
    assert api.as_("integrated").post(f"{path}/decision", json={"decision": "reject"}).status_code == 422
    assert api.as_("integrated").post(f"{path}/decision", json={"decision": "maybe"}).status_code == 422
    ok = api.as_("integrated").post(f"{path}/decision",
                                    json={"decision": "accept", "amount": "200", "measure": "Retrain SP-12"})
    assert ok.status_code == 200 and ok.get_json()["state"] == "accepted" and ok.get_json()["amount"] == "200.00"
    assert api.as_("integrated").post(f"{path}/decision", json={"decision": "reject", "reason": "x"}).status_code == 409
    assert sent(number, "assessment_to_carry_out") == {("in_app", "group:finance")}
    assert api.as_("integrated").post(f"{path}/execution", json={}).status_code == 403
    done = api.as_("finance").post(f"{path}/execution", json={"note": "Deducted in March"})
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["state"], done.get_json()["executed_by"]) == ("carried_out", "finance")
    assert api.as_("finance").post(f"{path}/execution", json={}).status_code == 409
    assert api.as_("handler1").get("/api/v1/assessments").status_code == 403
    kinds = [e["kind"] for e in show(api, number)["history"]]
    assert "assessment_decided" in kinds and "assessment_carried_out" in kinds

    web = signed_in(web_factory)
    page = web("supervisor").get("/assessments/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and number in text and "SP-12" in text and 'data-state="carried_out"' in text
    assert web("handler1").get("/assessments/").status_code == 403
    chinese = web("finance")
    chinese.post("/language", {"language": "zh", "next": "/"})
    assert "财务部已执行" in chinese.text("/assessments/")
    kpis = api.as_("supervisor").get("/api/v1/reports/kpis?from=2026-03-01&to=2026-03-31").get_json()
    assert kpis["assessments"] == [{"target": "SP-12", "target_type": "service_point", "count": 1,
                                    "carried_out": 1}]


def test_car_maker_4_3_integrated_management_rejects_with_a_reason_on_the_register_page(
        api: Api, pack: None, web_factory: Any) -> None:  # noqa: F811
    _missed_t4_appointment(api)
    [row] = _assessments(api, "integrated")
    web = signed_in(web_factory)
    client = web("integrated")
    page = client.get("/assessments/")
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    bad = client.post(f"/assessments/{row['id']}/decision", data={"decision": "reject"})
    assert bad.status_code == 422
    good = client.post(f"/assessments/{row['id']}/decision", data={"decision": "reject", "reason": "Customer late"})
    assert good.status_code == 302
    assert _assessments(api, "integrated")[0]["state"] == "rejected"
    assert web("finance").post(f"/assessments/{row['id']}/execution", data={}).status_code == 409


def _reviewed_key_grievance(api: Api) -> str:
    number = str(register(api, grievance(subject="Service point 7"))["number"])
    group = show(api, number)["record"]["handler_group"]
    for spec, data in (("prejudgement", a.prejudgement(key_complaint=True)), ("fact_finding", a.fact_finding()),
                       ("internal_facts", a.internal_facts()), ("responsibility_step", a.responsibility()),
                       ("solution_step", a.solution()),
                       ("communicate", {"customer_choice": "accept", "customer_response": "ok"}),
                       ("execute", a.execution())):
        work(api, number, spec, group, data)
    work(api, number, "review", group, a.review(review_cause="Receptionist not trained",
                                                review_improvement="Train the front desk",
                                                review_owner="supervisor", review_due="2026-03-31"))
    return number


def test_six_step_method_step_6_review_keeps_a_lesson_a_handler_of_a_new_case_sees(
        api: Api, pack: None, web_factory: Any) -> None:  # noqa: F811
    first = _reviewed_key_grievance(api)
    [lesson] = db.session.query(Lesson).all()
    assert (lesson.case_number, lesson.category, lesson.owner, str(lesson.due_date)) == (
        first, "staff_attitude", "supervisor", "2026-03-31")
    assert lesson.cause == "Receptionist not trained" and lesson.linked_cases[0] == first
    found = api.as_("handler2").get("/api/v1/lessons?q=front+desk").get_json()
    assert [item["case_number"] for item in found["lessons"]] == [first]
    assert api.as_("handler2").get("/api/v1/lessons?q=nothing-like-this").get_json()["count"] == 0

    web = signed_in(web_factory)
    second = str(register(api, grievance(customer={"name": "Han Meimei",
                                                                        "phone": "13800000099"}))["number"])
    page = web("handler1").get(f"/cases/{second}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="similar"' in text
    assert "Train the front desk" in text and first in text
    assert "Train the front desk" in web("handler1").get("/lessons/?q=train").get_data(as_text=True)
    chinese = web("handler1")
    chinese.post("/language", {"language": "zh", "next": "/"})
    assert "类似工单与经验教训" in chinese.text(f"/cases/{second}")
    assert "经验教训" in chinese.text("/lessons/") and "改进" in chinese.text("/lessons/")


def test_six_step_method_step_6_improvement_is_tracked_to_done_by_its_owner(
        api: Api, pack: None, web_factory: Any) -> None:  # noqa: F811
    _reviewed_key_grievance(api)
    [lesson] = api.as_("agent").get("/api/v1/lessons?state=open").get_json()["lessons"]
    web = signed_in(web_factory)
    assert api.as_("handler1").post(f"/api/v1/lessons/{lesson['id']}/done").status_code == 403
    assert web("handler1").post(f"/lessons/{lesson['id']}/done").status_code == 403
    assert web("supervisor").post(f"/lessons/{lesson['id']}/done").status_code == 302
    done = api.as_("agent").get("/api/v1/lessons?state=done").get_json()["lessons"]
    assert [(d["id"], d["done_by"]) for d in done] == [(lesson["id"], "supervisor")]
    assert api.as_("supervisor").post(f"/api/v1/lessons/{lesson['id']}/done").status_code == 409
    assert api.as_("agent").get("/api/v1/lessons?state=bogus").status_code == 422
