"""A customer who left only an e-mail follows the case (issue 13 part 6): the public status page and the survey
take the case number with the e-mail address as well as the phone; same throttle, same no-leak answer.

Domain §8b "every customer is told ... a customer who left only an e-mail can follow the case"; seed 001 第五条
(营销部 ... 赋予客户及时的回复: the customer gets a timely answer) and §1 (e-mail is a channel and a contact)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Case

NO_MATCH = "No case matches this number and phone number or e-mail address."


def _email_only_case(web: Any) -> Case:
    r = web.post("/public/complaint", {"name": "Mei", "email": "Mei.Lin@example.test", "description": "Leaking roof"})
    assert r.status_code == 201
    return db.session.scalars(select(Case)).one()


def test_domain_8b_e_mail_only_customer_looks_up_the_case_with_number_and_e_mail(web: Any, mini: Any) -> None:
    web.get("/public/complaint")
    case = _email_only_case(web)
    assert case.customer_phone is None
    r = web.post("/public/status", {"number": case.number, "phone": "mei.lin@EXAMPLE.test "})
    assert r.status_code == 200 and case.number in r.get_data(as_text=True)
    for wrong in ("other@example.test", "13800000001", "@", ""):
        r = web.post("/public/status", {"number": case.number, "phone": wrong})
        assert r.status_code == 404 and NO_MATCH in r.get_data(as_text=True), wrong
    r = web.post("/public/status", {"number": "CL-2000-000001", "phone": "mei.lin@example.test"})
    assert r.status_code == 404 and NO_MATCH in r.get_data(as_text=True)  # same answer: nothing leaks


def test_domain_8b_e_mail_lookups_share_the_status_throttle(web: Any, mini: Any, app: Any) -> None:
    web.get("/public/complaint")
    case = _email_only_case(web)
    app.config["PUBLIC_RATE_LIMIT"] = 2
    assert web.post("/public/status", {"number": case.number, "phone": "x@example.test"}).status_code == 404
    assert web.post("/public/status", {"number": case.number, "phone": "mei.lin@example.test"}).status_code == 200
    r = web.post("/public/status", {"number": case.number, "phone": "mei.lin@example.test"})
    assert r.status_code == 429


def test_domain_6_e_mail_only_customer_rates_the_handling(web: Any, mini: Any) -> None:
    # domain §6: follow-up call (回访) with a satisfaction survey; the survey mail's link works without a phone
    web.get("/public/complaint")
    case = _email_only_case(web)
    case.status = "follow_up"
    db.session.commit()
    r = web.post("/public/status/survey", {"number": case.number, "phone": "someone@example.test", "score": "4"})
    assert r.status_code == 409
    r = web.post("/public/status/survey", {"number": case.number, "phone": "mei.lin@example.test", "score": "4"})
    assert r.status_code == 200
    db.session.expire_all()
    assert db.session.get(Case, case.id).record["customer_surveys"][0]["score"] == 4
