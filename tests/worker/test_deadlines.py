"""SLA clocks on a moved clock: every domain deadline warns and breaches on time; business time, pauses, stops."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.helpers import complete, instance_of, open_task
from tests.worker.conftest import start_sla
from webapp.deadlines import business_calendar as calendar
from webapp.deadlines import service as deadlines
from webapp.deadlines.models import Deadline
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Case, Event, HumanTask, Outbox, Timer
from webapp.worker import Worker

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SH).astimezone(UTC)
FRIDAY_16 = datetime(2026, 3, 6, 16, 0, tzinfo=SH).astimezone(UTC)

# (rule, clock name, duration, business time, expected due from Monday 10:00 Shanghai)
DOMAIN = [
    ("T1", "T1-notice", "PT30M", True, datetime(2026, 3, 2, 10, 30, tzinfo=SH)),
    ("T1", "T1-reply", "PT2H", True, datetime(2026, 3, 2, 12, 0, tzinfo=SH)),
    ("T1", "T1-callback", "PT3H", True, datetime(2026, 3, 2, 13, 0, tzinfo=SH)),
    ("T3", "T3-notice", "PT10M", False, datetime(2026, 3, 2, 10, 10, tzinfo=SH)),
    ("T4", "T4-notice", "PT60M", False, datetime(2026, 3, 2, 11, 0, tzinfo=SH)),
    ("T4", "T4-appointment", "PT2H", False, datetime(2026, 3, 2, 12, 0, tzinfo=SH)),
    ("T5", "T5-first-response", "EOD", True, datetime(2026, 3, 2, 18, 0, tzinfo=SH)),
    ("K1", "K1", "P14D", False, datetime(2026, 3, 16, 10, 0, tzinfo=SH)),
    ("K2", "K2", "P7D", False, datetime(2026, 3, 9, 10, 0, tzinfo=SH)),
    ("G2-d", "G2-d", "P1M", False, datetime(2026, 4, 2, 10, 0, tzinfo=SH)),
]


@pytest.fixture(autouse=True)
def _calendar(app):
    calendar.configure(calendar.BusinessCalendar(tz=SH))
    yield
    calendar.configure(calendar.BusinessCalendar(tz=SH))


def _clock(case: Case, name: str) -> Deadline:
    db.session.expire_all()
    return db.session.scalars(select(Deadline).where(Deadline.case_id == case.id, Deadline.name == name)).one()


def _notices(case: Case, template: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Outbox).where(Outbox.case_id == case.id, Outbox.template == template)
                              .order_by(Outbox.id))
    return [(r.channel, r.recipient) for r in rows]


def _kinds(case: Case) -> list[str]:
    return list(db.session.scalars(select(Event.kind).where(Event.case_id == case.id).order_by(Event.id)))


@pytest.mark.parametrize(("rule", "name", "duration", "business", "due"), DOMAIN, ids=[d[1] for d in DOMAIN])
def test_domain_deadline_warns_at_80_percent_and_breaches_at_due(app, users, sla, smtp, settings, rule, name,
                                                                  duration, business, due):
    clock.freeze(MONDAY_10)
    case = start_sla(name, duration, business)
    row = _clock(case, name)
    due = due.astimezone(UTC)
    budget = row.budget_seconds
    warn = MONDAY_10 + timedelta(seconds=budget * 0.8) if not business else calendar.current().add(
        MONDAY_10, budget * 0.8)
    assert (row.state, row.due_at, row.warn_at, row.business_time) == ("running", due, warn, business)
    assert case.record["deadlines"][name]["due"] == due.isoformat()
    worker = Worker(db.session, settings)
    worker.run_once()
    clock.freeze(warn - timedelta(seconds=1))
    worker.run_once()
    assert _notices(case, "deadline_warning") == []
    clock.freeze(warn + timedelta(seconds=1))
    worker.run_once()
    assert _notices(case, "deadline_warning") == [("in_app", "group:tier_1_handler"), ("email", "group:tier_1_handler")]
    clock.freeze(due - timedelta(seconds=1))
    worker.run_once()
    assert _clock(case, name).state == "running" and _notices(case, "deadline_missed") == []
    clock.freeze(due + timedelta(seconds=1))
    worker.run_once()
    row = _clock(case, name)
    assert (row.state, row.breached_at) == ("missed", due + timedelta(seconds=1))
    assert _notices(case, "deadline_missed") == [
        ("in_app", "group:tier_2_handler"), ("email", "group:tier_2_handler"),
        ("in_app", "group:service_supervisor"), ("email", "group:service_supervisor")]
    assert "deadline_warning" in _kinds(case) and "deadline_missed" in _kinds(case)
    assert db.session.get(Case, case.id).record["deadlines"][name]["state"] == "missed"
    # the diagram's own escalation timer (timeDate = sla_due(...)) fell due at the same moment
    timer = db.session.scalars(select(Timer).where(Timer.instance_id == case.instance_id)).one()
    assert (timer.due_at, timer.state) == (due, "fired")
    assert _notices(case, "escalated") == [("in_app", "group:tier_2_handler")]
    mails = {m["Subject"] for _, m in smtp.box.messages}
    assert f"Deadline {name} missed: case {case.number}" in mails
    clock.freeze(due + timedelta(days=40))
    worker.run_once()
    assert len(_notices(case, "deadline_missed")) == 4  # a breach is reported once


def test_task_due_time_comes_from_its_clock_and_a_claimed_task_warns_its_assignee(app, users, sla, smtp, settings):
    clock.freeze(MONDAY_10)
    case = start_sla("T1-callback", "PT3H", True)
    task = open_task(case)
    assert task.clock == "T1-callback" and task.due_at == _clock(case, "T1-callback").due_at
    task.assignee = "handler1"
    db.session.commit()
    clock.advance(timedelta(hours=2, minutes=25))
    Worker(db.session, settings).run_once()
    assert _notices(case, "deadline_warning") == [("in_app", "user:handler1"), ("email", "user:handler1")]
    (rcpts, _), = [(r, m) for r, m in smtp.box.messages if "nearly due" in m["Subject"]]
    assert rcpts == ["handler1@example.test"]


def test_business_time_clock_skips_the_weekend(app, users, sla, smtp, settings):
    clock.freeze(FRIDAY_16)
    case = start_sla("T1-callback", "PT3H", True)
    row = _clock(case, "T1-callback")
    monday_10 = datetime(2026, 3, 9, 10, 0, tzinfo=SH).astimezone(UTC)
    monday_0924 = datetime(2026, 3, 9, 9, 24, tzinfo=SH).astimezone(UTC)
    assert (row.due_at, row.warn_at) == (monday_10, monday_0924)
    worker = Worker(db.session, settings)
    clock.freeze(datetime(2026, 3, 8, 23, 0, tzinfo=SH).astimezone(UTC))  # Sunday night: 31 hours later
    worker.run_once()
    assert _notices(case, "deadline_warning") == [] and _clock(case, "T1-callback").state == "running"
    clock.freeze(monday_0924 + timedelta(seconds=1))
    worker.run_once()
    assert len(_notices(case, "deadline_warning")) == 2 and _notices(case, "deadline_missed") == []
    clock.freeze(monday_10 + timedelta(seconds=1))
    worker.run_once()
    assert _clock(case, "T1-callback").state == "missed"


def test_holidays_and_make_up_working_days_count(app, users, sla, settings):
    calendar.configure(calendar.from_mapping({"DEFAULT_TIMEZONE": "Asia/Shanghai", "HOLIDAYS": "2026-03-09",
                                              "EXTRA_WORKDAYS": ["2026-03-07"]}))
    clock.freeze(FRIDAY_16)
    case = start_sla("T1-callback", "PT12H", True)  # Fri 2h + Sat (make-up day) 9h + Tue 1h (Monday is a holiday)
    assert _clock(case, "T1-callback").due_at == datetime(2026, 3, 10, 10, 0, tzinfo=SH).astimezone(UTC)


def test_rescue_clock_runs_around_the_clock(app, users, sla, settings):
    clock.freeze(datetime(2026, 3, 7, 23, 55, tzinfo=SH).astimezone(UTC))  # Saturday night
    case = start_sla("T3-notice", "PT10M", False)
    assert _clock(case, "T3-notice").due_at == datetime(2026, 3, 8, 0, 5, tzinfo=SH).astimezone(UTC)


def test_paused_clock_keeps_its_remaining_time_and_shows_the_pause_in_the_timeline(app, users, sla, settings):
    clock.freeze(MONDAY_10)
    case = start_sla("K1", "P14D", False)
    worker = Worker(db.session, settings)
    clock.advance(timedelta(days=2))
    complete(case, "Work on it", {"note": "asked the customer for photos"}, "handler1")
    row = _clock(case, "K1")
    assert (row.state, row.paused_at) == ("paused", MONDAY_10 + timedelta(days=2))
    clock.advance(timedelta(days=13))  # 15 days since the start, but 13 of them waiting for the customer
    worker.run_once()
    assert _clock(case, "K1").state == "paused" and _notices(case, "deadline_missed") == []
    complete(case, "Customer confirms", {"note": "photos received"}, "handler1")
    row = _clock(case, "K1")
    resumed = MONDAY_10 + timedelta(days=15)
    assert (row.state, row.due_at, row.paused_total) == ("running", resumed + timedelta(days=12), 13 * 86400)
    assert row.warn_at == resumed + timedelta(days=14 * 0.8 - 2)
    kinds = _kinds(case)
    assert kinds.index("clock_paused") < kinds.index("clock_resumed")
    paused = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "clock_paused")).one()
    assert paused.data["reason"] == "waiting for the customer" and paused.data["remaining_seconds"] == 12 * 86400
    clock.freeze(row.due_at - timedelta(minutes=1))
    worker.run_once()
    assert _clock(case, "K1").state == "running"
    clock.freeze(row.due_at + timedelta(minutes=1))
    worker.run_once()
    assert _clock(case, "K1").state == "missed"


def test_paused_business_clock_resumes_with_working_time_left(app, users, sla, settings):
    clock.freeze(MONDAY_10)
    case = start_sla("T1-callback", "PT3H", True)
    clock.advance(timedelta(hours=1))
    complete(case, "Work on it", {}, "handler1")  # paused at 11:00 with 2 working hours left
    clock.freeze(datetime(2026, 3, 6, 17, 0, tzinfo=SH).astimezone(UTC))  # Friday 17:00
    complete(case, "Customer confirms", {}, "handler1")
    assert _clock(case, "T1-callback").due_at == datetime(2026, 3, 9, 10, 0, tzinfo=SH).astimezone(UTC)


def test_clock_stopped_in_time_is_met_and_counted(app, users, sla, settings):
    clock.freeze(MONDAY_10)
    case = start_sla("T1-callback", "PT3H", True)
    for title in ("Work on it", "Customer confirms", "Finish"):
        clock.advance(timedelta(minutes=20))
        complete(case, title, {}, "handler1")
    row = _clock(case, "T1-callback")
    assert (row.state, row.stopped_at) == ("met", MONDAY_10 + timedelta(minutes=60))
    assert instance_of(case).status == "complete"
    assert deadlines.report(db.session) == {"T1-callback": {"met": 1}}
    clock.advance(timedelta(days=1))
    assert Worker(db.session, settings).run_once() >= 0 and _clock(case, "T1-callback").state == "met"
    assert _notices(case, "deadline_missed") == []


def test_late_stop_stays_missed_and_several_clocks_run_at_once(app, users, sla, smtp, settings):
    clock.freeze(MONDAY_10)
    case = start_sla("T3-notice", "PT10M", False)
    instance = instance_of(case)
    from webapp.deadlines.service import on_outcome

    on_outcome(db.session, instance, db.session.get(Case, case.id),
               [("clock_started", {"name": "K2", "duration": "P7D", "business_time": False})], "user_input", "t")
    db.session.commit()
    assert [r.name for r in deadlines.for_case(db.session, case.id)] == ["T3-notice", "K2"]
    assert set(db.session.get(Case, case.id).record["deadlines"]) == {"T3-notice", "K2"}
    clock.advance(timedelta(minutes=11))
    Worker(db.session, settings).run_once()
    for title in ("Work on it", "Customer confirms", "Finish"):
        complete(case, title, {}, "handler1")
    assert {r.name: r.state for r in deadlines.for_case(db.session, case.id)} == {"T3-notice": "missed",
                                                                                  "K2": "met"}
    assert db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                      HumanTask.state == "open")).all() == []


def test_T5_clock_started_late_counts_from_registration_and_breaches_at_once(app, users, sla, smtp, settings):
    """T5 (domain §5; seeds: "一旦接到投诉,我们要尽快与投诉人取得联系"): a clock started with `since` (the
    registration) counts from there: its start is the registration, its due time the end of that working day,
    and a due time already past when the clock starts breaches on the worker's next pass."""
    clock.freeze(MONDAY_10)
    case = start_sla("T3-notice", "PT10M", False)
    registered = MONDAY_10 - timedelta(hours=2)  # Monday 08:00 Shanghai: before the working day (09:00)
    clock.freeze(datetime(2026, 3, 3, 9, 30, tzinfo=SH).astimezone(UTC))  # Tuesday 09:30: classified late
    deadlines.on_outcome(db.session, instance_of(case), db.session.get(Case, case.id), [("clock_started", {
        "name": "T5-first-response", "duration": "EOD", "business_time": True, "since": registered.isoformat()})],
        "user_input", "t")
    db.session.commit()
    row = _clock(case, "T5-first-response")
    assert (row.started_at, row.due_at) == (registered, datetime(2026, 3, 2, 18, 0, tzinfo=SH).astimezone(UTC))
    Worker(db.session, settings).run_once()
    assert _clock(case, "T5-first-response").state == "missed"


def test_calendar_arithmetic_round_trips():
    cal = calendar.BusinessCalendar(tz=SH, holidays=frozenset({date(2026, 3, 9)}))
    start = FRIDAY_16
    for hours in (0.5, 2, 3, 9, 20, 45):
        end = cal.add(start, hours * 3600)
        assert cal.working_seconds(start, end) == pytest.approx(hours * 3600)
    assert cal.end_of_day(datetime(2026, 3, 6, 19, 0, tzinfo=SH)) == datetime(2026, 3, 10, 18, 0, tzinfo=SH)
    with pytest.raises(ValueError):
        calendar.budget_seconds(cal, start, "P1M", True)


# -- the real pack: step 5 waits for the customer (K1), one record per miss ---------------------------------------
def _pack_case_at_execution() -> Case:
    """A product-quality grievance on the real pack, worked by handler1 to the execution task (step 5)."""
    from tests.helpers import GRIEVANCE, register
    from tests.process import answers as a

    case = register({**GRIEVANCE, "category": "product_quality", "subject": "Pump model X"})
    steps = [("Pre-judgement (step 1)", a.prejudgement()),
             ("Fact finding with the customer (step 2)", a.fact_finding()),
             ("Fact finding inside the company (step 2)", a.internal_facts()),
             ("Judge responsibility (step 3)", a.responsibility()), ("Confirm the solution (step 4)", a.solution()),
             ("Tell the customer the solution (step 5)", {"customer_choice": "accept", "customer_response": "Agreed"})]
    for title, data in steps:
        complete(case, title, data, "handler1")
    return case


EXECUTE = "Carry out the solution until done (step 5)"
WAITING = {"work_done": True, "customer_confirmed": False, "compensation_received": False}


def test_K1_pack_clock_paused_while_waiting_for_the_customer_does_not_breach(app, users, pack, settings):
    clock.freeze(MONDAY_10)
    case = _pack_case_at_execution()
    assert _clock(case, "K1").due_at == MONDAY_10 + timedelta(days=14)
    clock.advance(timedelta(days=2))
    complete(case, EXECUTE, WAITING, "handler1")
    row = _clock(case, "K1")
    assert (row.state, row.paused_at) == ("paused", MONDAY_10 + timedelta(days=2))
    assert db.session.get(Case, case.id).record["deadlines"]["K1"]["state"] == "paused"
    clock.advance(timedelta(days=18))  # day 20: past the boundary timer's 14 days, the clock has used 2
    worker = Worker(db.session, settings)
    worker.run_once()
    assert _clock(case, "K1").state == "paused"
    assert "deadline_missed" not in _kinds(case) and "deadline_escalated" not in _kinds(case)
    assert _notices(case, "deadline_missed") == [] and _notices(case, "deadline_escalation") == []
    complete(case, EXECUTE, {**WAITING, "customer_confirmed": True}, "handler1")
    row = _clock(case, "K1")
    resumed = MONDAY_10 + timedelta(days=20)
    assert (row.state, row.due_at, row.paused_total) == ("running", resumed + timedelta(days=12), 18 * 86400)
    kinds = _kinds(case)
    assert kinds.index("clock_paused") < kinds.index("clock_resumed")
    clock.freeze(row.due_at + timedelta(minutes=1))
    worker.run_once()  # the moved clock is breached by the worker, once
    assert _clock(case, "K1").state == "missed" and _kinds(case).count("deadline_missed") == 1
    assert [r for _, r in _notices(case, "deadline_missed")] == ["group:tier_2_handler"] * 2 + \
        ["group:service_supervisor"] * 2


def test_K1_pack_miss_is_recorded_once_when_timer_and_clock_fall_due_together(app, users, pack, settings):
    clock.freeze(MONDAY_10)
    case = _pack_case_at_execution()
    clock.advance(timedelta(days=14, seconds=1))
    Worker(db.session, settings).run_once()
    assert _clock(case, "K1").state == "missed"  # counted in the reports
    kinds = _kinds(case)
    assert kinds.count("deadline_escalated") == 1 and "deadline_missed" not in kinds
    # the next tier got the process's escalation, not a second notice; the task moved up a tier (issue 13), so the
    # tier-1 queue that held it is told once
    assert _notices(case, "deadline_missed") == [("in_app", "group:tier_1_handler"), ("email", "group:tier_1_handler")]
    assert {r for _, r in _notices(case, "deadline_escalation")} == {"group:tier_2_handler",
                                                                      "group:service_supervisor"}


def test_a_completion_that_stops_a_clock_reads_the_clocks_once_and_writes_the_case_once(app, users, sla, settings):
    """The instance's clocks are read with one query; the case row (summary of its clocks) gets one UPDATE."""
    from sqlalchemy import event

    from tests.helpers import user
    from webapp.tasks import service as tasks

    clock.freeze(MONDAY_10)
    case = start_sla("T1-callback", "PT3H", True)
    for title in ("Work on it", "Customer confirms"):
        complete(case, title, {}, "handler1")
    task_id, worker = open_task(case, "Finish").id, user("handler1")
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        tasks.complete(db.session, task_id, {}, worker)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.startswith("SELECT") and "FROM deadline" in s]) == 1, statements
    # one UPDATE of the case row, on its own or (PostgreSQL) among the transition's combined write
    assert sum(s.count("UPDATE case_record") for s in statements) == 1, statements
    db.session.expire_all()
    summary = db.session.get(Case, case.id).record["deadlines"]["T1-callback"]
    assert summary["state"] == _clock(case, "T1-callback").state == "met"
