"""Step 5 waits for the customer (confirmation, money received): the clocks pause and resume with the time left.

docs/clocks.md, "waiting for the customer": `clock_pause('*', 'waiting for the customer')` once the work is done and
only the customer's confirmation or receipt is missing, `clock_resume('*')` when the customer answers. K1/K2 count
company time only; the K1/K2 boundary timer keeps its first due time, so its branch checks the clock first.
"""

from __future__ import annotations

from datetime import timedelta

from tests.process import answers as a
from tests.process.harness import START, Case, intake


def at_execution(category: str = "product_quality", subject: str = "Pump model X", **solution) -> Case:
    """A grievance through steps 1-4 and the accepted solution, at the execution task (step 5)."""
    case = Case(intake(category=category, subject=subject))
    for spec in ("prejudgement", "fact_finding", "internal_facts", "responsibility_step"):
        case.complete(spec, **getattr(a, spec.removesuffix("_step"))())
    case.complete("solution_step", **a.solution(**solution))
    case.complete("communicate", customer_choice="accept", customer_response="Agreed")
    assert case.open() == ["execute"]
    return case


def kinds(case: Case, *wanted: str) -> list[str]:
    """Timeline kinds, only those asked for, in order."""
    return [k for k, _ in case.records if k in wanted]


def test_K1_clock_pauses_while_waiting_for_the_customers_confirmation_and_resumes_with_the_time_left():
    case = at_execution()
    assert case.history.clocks["K1"]["state"] == "running"
    case.advance(days=2)
    case.complete("execute", work_done=True, customer_confirmed=False, compensation_received=False,
                  progress_note="Pump replaced, waiting for the customer to confirm")
    paused = case.events("clock_paused")
    assert paused == [{"name": "*", "reason": "waiting for the customer"}]
    assert case.history.clocks["K1"]["state"] == "paused"
    assert case.history.clocks["K1"]["used"] == 2 * 86400  # 12 of the 14 days are kept
    assert case.open() == ["execute"] and case.value("paused_clocks") == ["*"]

    case.advance(days=3)
    case.complete("execute", work_done=True, customer_confirmed=False, compensation_received=False,
                  progress_note="Called again, no answer yet")
    assert len(case.events("clock_paused")) == 1 and case.events("clock_resumed") == []  # still the same wait

    case.advance(days=2)
    case.complete("execute", **a.execution())
    assert case.events("clock_resumed") == [{"name": "*"}]
    k1 = case.history.clocks["K1"]
    resumed = START + timedelta(days=7)
    assert (k1["state"], k1["due"]) == ("running", resumed + timedelta(days=12))
    assert kinds(case, "clock_paused", "clock_resumed") == ["clock_paused", "clock_resumed"]
    assert case.open() == ["signoff"]
    case.complete("signoff", **a.signoff())
    case.complete("follow_up", **a.followup(5))
    assert case.status == "complete" and case.history.clocks["K1"]["state"] == "met"


def test_K1_work_still_being_done_by_the_company_does_not_pause_the_clock():
    case = at_execution()
    case.complete("execute", work_done=False, customer_confirmed=False, compensation_received=False,
                  progress_note="Part ordered")
    assert case.events("clock_paused") == [] and case.history.clocks["K1"]["state"] == "running"
    assert case.open() == ["execute"]


def test_K2_waiting_for_the_money_pauses_and_the_customer_saying_not_done_resumes():
    case = at_execution("parts_supply", "Brake pads", solution_types=["compensation"], compensation_amount=500)
    case.complete("execute", work_done=True, customer_confirmed=True, compensation_received=False)
    assert case.history.clocks["K2"]["state"] == "paused"  # confirmed, but the money has not arrived
    case.complete("execute", work_done=False, customer_confirmed=False, compensation_received=False,
                  progress_note="Customer: pads still squeak, refit needed")
    assert case.history.clocks["K2"]["state"] == "running"  # the company works again
    assert kinds(case, "clock_paused", "clock_resumed") == ["clock_paused", "clock_resumed"]
    case.complete("execute", work_done=True, customer_confirmed=True, compensation_received=False)
    assert case.history.clocks["K2"]["state"] == "paused"
    case.complete("execute", work_done=True, customer_confirmed=True, compensation_received=True)
    assert case.history.clocks["K2"]["state"] == "running"
    assert kinds(case, "clock_paused", "clock_resumed") == ["clock_paused", "clock_resumed"] * 2
    assert case.open() == ["signoff"]


def test_K1_the_resolution_timer_does_not_escalate_a_clock_moved_by_the_customer_wait():
    case = at_execution()
    case.advance(days=2)
    case.complete("execute", work_done=True, customer_confirmed=False, compensation_received=False)
    case.advance(days=12, seconds=1)  # the timer's 14 days have passed; the clock has used 2
    assert "k_timer" not in case.timers()
    assert case.sent("deadline_escalation") == [] and case.events("deadline_escalated") == []
    assert case.history.clocks["K1"]["state"] == "paused"
    assert case.open() == ["execute"]
    case.complete("execute", **a.execution())  # resumed on day 14: 12 days left, the worker breaches on day 26
    assert case.history.clocks["K1"]["due"] == START + timedelta(days=26, seconds=1)


def test_K1_a_clock_never_paused_is_still_escalated_by_the_timer_at_its_due_time():
    case = at_execution()
    case.advance(days=14, seconds=1)
    assert [d["clock"] for d in case.events("deadline_escalated")] == ["K1"]
    assert {n.recipient for n in case.sent("deadline_escalation")} == {"group:tier_2_handler",
                                                                       "group:service_supervisor"}


def test_K1_after_a_short_wait_the_timer_leaves_the_moved_clock_to_the_worker():
    case = at_execution()
    case.complete("execute", work_done=True, customer_confirmed=False, compensation_received=False)
    case.advance(hours=1)
    case.complete("execute", **a.execution())  # one hour of waiting: the clock is due an hour after the timer
    case.advance(days=13, hours=23, seconds=1)  # the timer fires on day 14, an hour before the clock is due
    assert case.events("deadline_escalated") == [] and "k_timer" not in case.timers()
    assert case.history.clocks["K1"]["due"] == START + timedelta(days=14, hours=1)


def test_T5_the_first_response_clock_is_not_touched_by_the_customer_wait():
    case = at_execution("staff_attitude", "Service point 7")
    assert case.history.clocks["T5-first-response"]["state"] == "met"
    case.complete("execute", work_done=True, customer_confirmed=False, compensation_received=False)
    assert case.events("clock_paused") and case.history.clocks["T5-first-response"]["state"] == "met"
    case.complete("execute", **a.execution())
    assert case.history.clocks["T5-first-response"]["state"] == "met"


def test_K1_a_reopened_case_pauses_again_in_its_next_customer_wait():
    case = at_execution()
    case.complete("execute", work_done=True, customer_confirmed=False, compensation_received=False)
    case.complete("execute", **a.execution())
    case.complete("signoff", **a.signoff())
    case.complete("follow_up", **a.followup(2, satisfaction_comment="Still leaking"))
    assert case.value("paused_clocks", "solution_step") == []
    case.complete("solution_step", **a.solution())
    case.complete("communicate", customer_choice="accept", customer_response="Try again")
    case.complete("execute", work_done=True, customer_confirmed=False, compensation_received=False)
    assert kinds(case, "clock_paused", "clock_resumed") == ["clock_paused", "clock_resumed", "clock_paused"]
    assert case.history.clocks["K1"]["state"] == "paused"


def test_clock_handlers_keep_paused_clocks_and_clock_status_falls_back_to_the_timer():
    from handlers.registry import HandlerContext, get_handler
    from tests.process.harness import FakeHistory

    ctx = HandlerContext("1", "CL-1", {"paused_clocks": []}, "agent", START, "t1", "task", FakeHistory())
    get_handler("clock_pause")(ctx, name="K1")
    get_handler("clock_pause")(ctx, name="K1")
    get_handler("clock_pause")(ctx, name="*")
    assert ctx.data["paused_clocks"] == ["K1", "*"]
    get_handler("clock_resume")(ctx, name="K1")
    assert ctx.data["paused_clocks"] == ["*"]
    get_handler("clock_resume")(ctx, name="*")
    assert ctx.data["paused_clocks"] == []
    assert get_handler("clock_status")(ctx, name="K1")["overdue"] is True  # unknown clock: the timer decides
    ctx.history = None
    assert get_handler("clock_status")(ctx, name="K1") == {"clock": "K1", "state": None, "due": None, "overdue": True}
    ctx.history = FakeHistory(clocks={"K1": {"state": "running", "due": START + timedelta(hours=1)}})
    assert get_handler("clock_status")(ctx, name="K1")["overdue"] is False
    ctx.now = START + timedelta(hours=1)
    assert get_handler("clock_status")(ctx, name="K1")["overdue"] is True  # due now: the timer escalates
