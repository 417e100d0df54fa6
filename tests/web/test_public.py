"""Public intake and status pages: no sign-in, web channel, honeypot, rate limit, no internal data shown."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.helpers import complete, register
from webapp.cases.comments import add_comment
from webapp.extensions import db
from webapp.models import Case, Event

FORM = {"name": "Chen Jie", "phone": "13600000009", "kind": "grievance", "subject": "Water bill",
        "description": "Billed twice for March", "demand": "Refund"}


def test_customer_submits_a_complaint_without_signing_in(web: Any, mini: Any) -> None:
    web.get("/public/complaint")
    r = web.post("/public/complaint", FORM)
    assert r.status_code == 201
    case = db.session.scalars(select(Case)).one()
    assert case.number in r.get_data(as_text=True)
    assert (case.channel, case.kind, case.registered_by, case.customer_phone) == ("web", "grievance", "public",
                                                                                  "13600000009")
    assert case.instance_id is not None, "the complaint process started"


def test_missing_fields_come_back_with_the_values_kept(web: Any, mini: Any) -> None:
    web.get("/public/complaint")
    r = web.post("/public/complaint", {**FORM, "phone": "", "description": ""})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Give a phone number or an e-mail address" in page
    assert 'value="Chen Jie"' in page
    r = web.post("/public/complaint", {**FORM, "description": ""})
    assert r.status_code == 422 and "this field is required" in r.get_data(as_text=True)
    assert db.session.scalars(select(Case)).first() is None


def test_honeypot_registers_nothing(web: Any, mini: Any) -> None:
    web.get("/public/complaint")
    r = web.post("/public/complaint", {**FORM, "website": "http://spam.example"})
    assert r.status_code == 200 and "Thank you" in r.get_data(as_text=True)
    assert db.session.scalars(select(Case)).first() is None


def test_rate_limit(web: Any, mini: Any, app: Any) -> None:
    app.config["PUBLIC_RATE_LIMIT"] = 2
    web.get("/public/complaint")
    assert web.post("/public/complaint", FORM).status_code == 201
    assert web.post("/public/complaint", FORM).status_code == 201
    r = web.post("/public/complaint", FORM)
    assert r.status_code == 429 and "Too many requests" in r.get_data(as_text=True)
    assert len(db.session.scalars(select(Case)).all()) == 2


def test_public_form_needs_its_csrf_token(web: Any, mini: Any) -> None:
    assert web.post("/public/complaint", FORM, csrf=False).status_code == 400


def test_status_page_needs_number_and_phone_and_shows_no_internal_data(web: Any, mini: Any) -> None:
    case = register()  # phone 13800000001, registered by agent
    complete(case, "Find the facts", {"cause": "tired staff member Wang"}, "handler1")
    add_comment(db.session, case, "handler1", "internal note: customer is a journalist")
    assert f'value="{case.number}"' in web.text(f"/public/status?number={case.number}")  # the link in mails
    r = web.post("/public/status", {"number": case.number, "phone": "13800000002"})
    assert r.status_code == 404 and "No case matches" in r.get_data(as_text=True)
    r = web.post("/public/status", {"number": case.number.lower(), "phone": "138 0000 0001"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "Being handled." in page and case.number in page
    for secret in ("handler1", "Handler1", "journalist", "tired staff", "tier_1", "Li Lei", "Find the facts"):
        assert secret not in page, secret


def test_public_pages_in_chinese(web: Any, mini: Any) -> None:
    r = web.get("/public/complaint", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "提交投诉" in r.get_data(as_text=True)


def test_customer_rates_the_handling_once_per_follow_up_from_the_survey_link(web: Any, mini: Any) -> None:
    case = register()  # phone 13800000001
    page = web.post("/public/status", {"number": case.number, "phone": "13800000001"}).get_data(as_text=True)
    assert 'data-testid="survey"' not in page  # nothing to rate while the case is being handled
    case.status = "follow_up"
    db.session.commit()
    page = web.post("/public/status", {"number": case.number, "phone": "13800000001"}).get_data(as_text=True)
    assert 'data-testid="survey"' in page
    r = web.post("/public/status/survey", {"number": case.number, "phone": "13800000001"})
    assert r.status_code == 422 and "Choose a rating from 1 to 5." in r.get_data(as_text=True)
    r = web.post("/public/status/survey", {"number": case.number, "phone": "13800000009", "score": "2"})
    assert r.status_code == 409  # the phone must match again
    r = web.post("/public/status/survey", {"number": case.number, "phone": "138 0000 0001", "score": "2",
                                           "comment": "Took too long"})
    assert r.status_code == 200 and "Thank you for your rating" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).record["customer_surveys"][0] | {"at": None} == {
        "round": 0, "score": 2, "comment": "Took too long", "at": None}
    again = web.post("/public/status/survey", {"number": case.number, "phone": "13800000001", "score": "5"})
    assert again.status_code == 409  # once per follow-up round
    events = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "customer_survey")).all()
    assert [(e.actor, e.data["score"]) for e in events] == [("public", 2)]
    staff = web.login("handler1").text(f"/cases/{case.number}")
    assert 'data-testid="customer-rating"' in staff and "2/5" in staff and "Took too long" in staff
