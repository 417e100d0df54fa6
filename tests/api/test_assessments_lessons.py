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
    queued,
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


def _task(api: Api, user: str, number: str, spec: str) -> dict[str, Any]:
    """The case's open task of one step, checked to be in the user's group worklist."""
    task = open_task(api, number, spec)
    assert spec in queued(api, user, number), f"{spec} not in {user}'s worklist"
    return task


def test_car_maker_4_3_missed_T4_appointment_assessment_decided_by_integrated_and_carried_out_by_finance(
        api: Api, pack: None, web_factory: Any) -> None:  # noqa: F811
    number = _missed_t4_appointment(api)
    [row] = _assessments(api, "integrated", "proposed")
    assert (row["case_number"], row["target"], row["target_type"]) == (number, "SP-12", "service_point")
    assert row["instance_id"] is not None  # one `assessment` process instance per proposal
    # the proposal is a task of the integrated management department's worklist (lane "Integrated management")
    decide = _task(api, "integrated", number, "decide")
    assert decide["group"] == "integrated_management" and "decide" not in queued(api, "finance", number)
    tasks = f"/api/v1/tasks/{decide['id']}"
    assert api.as_("finance").post(f"{tasks}/claim").status_code == 403  # not finance's task
    assert api.as_("integrated").post(f"{tasks}/claim").status_code == 200
    # the form has no default: the choice is required; accept needs an amount or a measure, reject a reason
    for bad, field in (({}, "assessment_decision"), ({"assessment_decision": "accept"}, "assessment_amount"),
                       ({"assessment_decision": "reject"}, "assessment_reason"),
                       ({"assessment_decision": "reject", "assessment_reason": "  "}, "assessment_reason"),
                       ({"assessment_decision": "maybe"}, "assessment_decision")):
        r = api.as_("integrated").post(f"{tasks}/complete", json={"data": bad})
        assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (bad, r.get_json())
    done = api.as_("integrated").post(f"{tasks}/complete", json={"data": {
        "assessment_decision": "accept", "assessment_amount": 200, "assessment_measure": "Retrain SP-12"}})
    assert done.status_code == 200, done.get_json()
    [row] = _assessments(api, "finance", "accepted")
    assert (row["amount"], row["measure"], row["decided_by"]) == ("200.00", "Retrain SP-12", "integrated")
    # the register's own action drives the same task: nothing left to decide
    path = f"/api/v1/assessments/{row['id']}"
    assert api.as_("integrated").post(f"{path}/decision", json={"decision": "reject", "reason": "x"}).status_code == 409
    # finance carries it out from its worklist (lane "Finance")
    carry = _task(api, "finance", number, "carry_out")
    assert carry["group"] == "finance" and "carry_out" not in queued(api, "integrated", number)
    assert api.as_("integrated").post(f"/api/v1/tasks/{carry['id']}/complete",
                                      json={"data": {"assessment_executed": True}}).status_code == 403
    assert api.as_("integrated").post(f"{path}/execution", json={}).status_code == 403
    assert api.as_("finance").post(f"/api/v1/tasks/{carry['id']}/claim").status_code == 200
    r = api.as_("finance").post(f"/api/v1/tasks/{carry['id']}/complete", json={"data": {}})
    assert r.status_code == 422 and "assessment_executed" in r.get_json()["error"]["fields"]
    done = api.as_("finance").post(f"/api/v1/tasks/{carry['id']}/complete", json={"data": {
        "assessment_executed": True, "assessment_note": "Deducted in March"}})
    assert done.status_code == 200, done.get_json()
    [row] = _assessments(api, "finance")
    assert (row["state"], row["executed_by"], row["execution_note"]) == ("carried_out", "finance", "Deducted in March")
    assert api.as_("finance").post(f"{path}/execution", json={}).status_code == 409
    assert api.as_("handler1").get("/api/v1/assessments").status_code == 403
    case = show(api, number)
    kinds = [e["kind"] for e in case["history"]]
    assert "assessment_decided" in kinds and "assessment_carried_out" in kinds
    assert case["status"] != "closed"  # the assessment's end does not close the case
    assert [t["task_spec"] for t in case["open_tasks"] if t["task_spec"] in ("decide", "carry_out")] == []

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


def test_car_maker_4_3_register_actions_complete_the_workflow_tasks_with_the_same_checks(
        api: Api, pack: None) -> None:
    number = _missed_t4_appointment(api)
    [row] = _assessments(api, "integrated", "proposed")
    path = f"/api/v1/assessments/{row['id']}"
    assert api.as_("finance").post(f"{path}/decision", json={"decision": "accept", "amount": 200}).status_code == 403
    assert api.as_("finance").post(f"{path}/execution", json={}).status_code == 409  # not accepted yet
    bad = api.as_("integrated").post(f"{path}/decision", json={"decision": "accept"})
    assert bad.status_code == 422 and "amount" in bad.get_json()["error"]["fields"]
    assert api.as_("integrated").post(f"{path}/decision", json={"decision": "reject"}).status_code == 422
    assert api.as_("integrated").post(f"{path}/decision", json={"decision": "maybe"}).status_code == 422
    assert api.as_("integrated").post(f"{path}/decision",
                                      json={"decision": "accept", "amount": "abc"}).status_code == 422
    ok = api.as_("integrated").post(f"{path}/decision",
                                    json={"decision": "accept", "amount": "200", "measure": "Retrain SP-12"})
    assert ok.status_code == 200 and ok.get_json()["state"] == "accepted" and ok.get_json()["amount"] == "200.00"
    assert open_task(api, number, "carry_out")["group"] == "finance"  # the decision task was completed
    done = api.as_("finance").post(f"{path}/execution", json={"note": "Deducted in March"})
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["state"], done.get_json()["executed_by"]) == ("carried_out", "finance")


def test_car_maker_4_3_integrated_management_rejects_with_a_reason_in_the_worklist_and_on_the_register_page(
        api: Api, pack: None, web_factory: Any) -> None:  # noqa: F811
    number = _missed_t4_appointment(api)
    [row] = _assessments(api, "integrated")
    web = signed_in(web_factory)
    client = web("integrated")
    page = client.get("/assessments/")
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    bad = client.post(f"/assessments/{row['id']}/decision", data={"decision": "reject"})
    assert bad.status_code == 422
    good = client.post(f"/assessments/{row['id']}/decision", data={"decision": "reject", "reason": "Customer late"})
    assert good.status_code == 302
    [rejected] = _assessments(api, "integrated")
    assert (rejected["state"], rejected["decision_reason"], rejected["decided_by"]) == (
        "rejected", "Customer late", "integrated")
    assert web("finance").post(f"/assessments/{row['id']}/execution", data={}).status_code == 409
    assert [t for t in show(api, number)["open_tasks"] if t["task_spec"] in ("decide", "carry_out")] == []


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
