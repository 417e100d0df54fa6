"""The reply time promised to the customer is a clock (issue 13, item 3: the promised reply).

Seed 001, real-estate rules 第八条 1 (及时准确原则):
对投诉及时做出反应，并在规定的时间进行有效处理，不能及时处理完毕的应按时跟进发展情况，并适时通知客户
(react in time, handle within the set time; when it cannot be done in time, follow up and tell the customer).
Domain §6 step 2: the first contact closes by "promising a reply time"; §5 T5: "a reply time is promised at the
first contact and must be kept"; §8b: "a reply time promised to the customer is kept or the customer is told".
"Answered" (domain §6 step 5, "tell the customer"): the solution is told to the customer; a closure answers too.
Real pack, real worker, real SMTP server on loopback.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.helpers import GRIEVANCE, complete, register
from tests.process import answers as a
from webapp.deadlines import business_calendar as calendar
from webapp.deadlines.models import Deadline
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Event, Outbox
from webapp.reports import filters, labels
from webapp.reports import service as reports
from webapp.worker import Worker

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SH).astimezone(UTC)
PROMISED = datetime(2026, 3, 2, 15, 0, tzinfo=SH)  # "we will reply by 15:00 today", said at 10:00
FIRST = [("Pre-judgement (step 1)", a.prejudgement())]


@pytest.fixture(autouse=True)
def _calendar(app):
    calendar.configure(calendar.BusinessCalendar(tz=SH))
    yield
    calendar.configure(calendar.BusinessCalendar(tz=SH))


def _promise(body: dict | None = None, promised: datetime = PROMISED) -> Case:
    """A grievance whose first contact promised a reply at `promised` (ISO with the agent's zone, as the form sends)."""
    case = register(body or dict(GRIEVANCE))
    complete(case, "Pre-judgement (step 1)", a.prejudgement(), "handler1")
    complete(case, "Fact finding with the customer (step 2)",
             a.fact_finding(promised_reply_at=promised.isoformat()), "handler1")
    return case


def _clock(case: Case) -> Deadline:
    db.session.expire_all()
    return db.session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                     Deadline.name == "promised-reply")).one()


def _rows(case: Case, template: str) -> list[tuple[str, str]]:
    return [(o.channel, o.recipient) for o in db.session.scalars(
        select(Outbox).where(Outbox.case_id == case.id, Outbox.template == template).order_by(Outbox.id))]


def _drain(worker: Worker) -> None:
    while worker.run_once():
        pass


def test_real_estate_8_a_missed_promise_mails_the_customer_once_and_tells_the_supervisor(
        app, users, pack, smtp, settings):
    clock.freeze(MONDAY_10)
    try:
        case = _promise()
        row = _clock(case)
        assert (row.state, row.due_at, row.business_time) == ("running", PROMISED.astimezone(UTC), False)
        assert db.session.get(Case, case.id).record["deadlines"]["promised-reply"]["state"] == "running"
        worker = Worker(db.session, settings)
        _drain(worker)
        assert _rows(case, "promise_missed") == []
        clock.advance(timedelta(hours=4, minutes=1))  # 80 % of the 5 hours: the handler is warned, not the customer
        _drain(worker)
        assert _clock(case).warned_at is not None
        assert ("in_app", "group:tier_1_handler") in _rows(case, "deadline_warning")
        assert _rows(case, "promise_missed") == []
        clock.advance(timedelta(hours=1))  # 15:01: the promise is broken
        _drain(worker)
        clock.advance(timedelta(hours=6))  # the worker keeps running: still one mail
        _drain(worker)
    finally:
        clock.reset()
    assert _clock(case).state == "missed"
    assert _rows(case, "promise_missed") == [("email", "customer")]
    assert {("in_app", "group:service_supervisor"), ("email", "group:service_supervisor")} <= set(
        _rows(case, "deadline_missed"))
    mails = [(rcpts, m) for rcpts, m in smtp.box.messages if "could not reply" in str(m["Subject"])]
    assert [rcpts for rcpts, _ in mails] == [["li.lei@example.test"]]
    rcpts, msg = mails[0]
    assert case.number in str(msg["Subject"])
    text = msg.get_body(("plain",)).get_content()
    assert "by 2026-03-02 15:00 (UTC+08:00)" in text and case.number in text  # the customer's zone, not UTC
    supervisor = [m for r, m in smtp.box.messages if r == ["supervisor@example.test"]
                  and "missed" in str(m["Subject"])]
    assert supervisor and "2026-03-02 15:00 (UTC+08:00)" in supervisor[0].get_body(("plain",)).get_content()
    # the report counts the promise like every clock (car-maker rules 5.4: on-time rates), named in both languages
    period, f = filters.parse({"from": "2026-03-01", "to": "2026-03-31"}, "Asia/Shanghai")
    figures = {d["name"]: d for d in reports.kpis(db.session, period, f)["deadlines"]}
    assert (figures["promised-reply"]["started"], figures["promised-reply"]["missed"]) == (1, 1)
    assert "G1-crisis-meeting" in figures
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert str(labels.clock_label("promised-reply")) == "向客户承诺的答复时间"


def test_real_estate_8_the_customer_told_the_solution_in_time_stops_the_clock(app, users, pack, settings):
    clock.freeze(MONDAY_10)
    try:
        case = _promise(promised=PROMISED + timedelta(days=1))
        for title, data in [("Fact finding inside the company (step 2)", a.internal_facts()),
                            ("Judge responsibility (step 3)", a.responsibility()),
                            ("Confirm the solution (step 4)", a.solution())]:
            complete(case, title, data, "handler1")
        assert _clock(case).state == "running"  # the solution is agreed but not yet told
        complete(case, "Tell the customer the solution (step 5)",
                 {"customer_choice": "reject", "customer_response": "Not enough"}, "handler1")
        assert _clock(case).state == "met"  # answered, even if the customer does not accept it
        clock.advance(timedelta(days=3))
        _drain(Worker(db.session, settings))
    finally:
        clock.reset()
    assert _clock(case).state == "met"
    assert _rows(case, "promise_missed") == []


def test_real_estate_8_a_customer_without_e_mail_is_not_mailed_but_the_supervisor_is_told(
        app, users, pack, settings):
    clock.freeze(MONDAY_10)
    try:
        body = {**GRIEVANCE, "customer": {"name": "Wang Fang", "phone": "13900000002"}}
        case = _promise(body)
        clock.advance(timedelta(hours=5, minutes=1))
        _drain(Worker(db.session, settings))
    finally:
        clock.reset()
    assert _clock(case).state == "missed"
    assert _rows(case, "promise_missed") == []
    skipped = [e.data for e in db.session.scalars(select(Event).where(
        Event.case_id == case.id, Event.kind == "notice_skipped"))]
    assert {"template": "promise_missed", "recipient": "customer", "clock": "promised-reply",
            "reason": "no e-mail address for the customer"} in skipped
    assert ("email", "group:service_supervisor") in _rows(case, "deadline_missed")


def test_T5_the_acknowledgement_shows_the_promised_time_in_the_customer_zone(app, users, pack, smtp, settings):
    clock.freeze(MONDAY_10)
    try:
        case = register(dict(GRIEVANCE))
        _drain(Worker(db.session, settings))
    finally:
        clock.reset()
    [(rcpts, msg)] = [(r, m) for r, m in smtp.box.messages if "received your complaint" in str(m["Subject"])]
    text = msg.get_body(("plain",)).get_content()
    assert case.number in text and "(UTC+08:00)" in text and "+00:00" not in text


def test_T1_the_3_hour_callback_promised_to_an_inquirer_is_kept_or_the_customer_is_told(
        app, users, pack, smtp, settings):
    # seed 004 5.2.1 b: 即时向客户说明在3个小时内再致电答复 (tell the customer "we call back within 3 hours");
    # real-estate rules 八: a promise not kept in time is told to the customer
    clock.freeze(MONDAY_10)
    try:
        case = register({**GRIEVANCE, "kind": "inquiry", "category": None, "subject": "Pump warranty",
                         "description": "Does the warranty cover the pump?"})
        complete(case, "Answer from published documents", {
            "question": "Warranty of the pump?", "answered_at_once": False, "answer": "",
            "department": "After-sales"}, "agent")
        worker = Worker(db.session, settings)
        clock.advance(timedelta(hours=3, minutes=1))
        _drain(worker)
        clock.advance(timedelta(hours=3))
        _drain(worker)
    finally:
        clock.reset()
    assert _rows(case, "promise_missed") == [("email", "customer")]
    assert [rcpts for rcpts, m in smtp.box.messages if "could not reply" in str(m["Subject"])] == [
        ["li.lei@example.test"]]
