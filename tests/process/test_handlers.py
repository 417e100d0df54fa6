"""Handlers called directly: argument checks and what they write (notices, records, case fields)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.registry import HandlerContext, get_handler
from tests.process.harness import FakeHistory

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ctx(**data) -> HandlerContext:
    """A context with some case data."""
    base = {"case_number": "CL-1", "customer": {"name": "Li", "phone": " 138 "}, "category": "c", "subject": "s"}
    return HandlerContext("1", "CL-1", {**base, **data}, "agent", NOW, "t1", "task", FakeHistory())


def call(op: str, c: HandlerContext, **params):
    """Run a registered handler."""
    fn = get_handler(op)
    assert fn is not None
    return fn(c, **params)


def test_notify_picks_the_channel_per_recipient_and_carries_the_case():
    c = ctx(grade="G2", tier=2, customer={"name": "Li", "phone": " 138 ", "email": "li@example.test"})
    keys = call("notify", c, to=["customer", "group:sales", "webhook:sales", "service_point:SP-1", "user:bo"],
                template="x", data={"extra": 1})
    assert [n.channel for n in c.notices] == ["email", "in_app", "webhook", "in_app", "email", "in_app"]
    assert c.notices[0].payload["customer"] == {"name": "Li", "phone": " 138 ", "email": "li@example.test"}
    assert c.notices[1].payload == {"case_number": "CL-1", "category": "c", "subject": "s", "grade": "G2", "tier": 2,
                                    "extra": 1}
    assert len(set(keys)) == 6


def test_a_customer_without_an_e_mail_address_is_not_mailed_and_the_timeline_says_why():
    c = ctx()  # a phone customer: no address
    assert call("notify", c, to="customer", template="acknowledgement") == []
    assert c.notices == []
    assert [(k, d["reason"]) for k, d in c.records if k == "notice_skipped"] == [
        ("notice_skipped", "no e-mail address for the customer")]


@pytest.mark.parametrize("bad", ["sales", "group:", "mail:x@y"])
def test_notify_refuses_unknown_recipients(bad: str):
    with pytest.raises(ValueError, match="unknown recipient"):
        call("notify", ctx(), to=bad, template="x")


def test_notify_refuses_unknown_channels():
    with pytest.raises(ValueError, match="unknown channel"):
        call("notify", ctx(), to="customer", template="x", channel="sms")


def test_grade_history_uses_the_phone_as_the_customer_key_and_counts_this_complainant():
    c = ctx(opened_at="2026-01-30T09:00:00+00:00")
    c.history = FakeHistory(others=["A", "B"], repeats=1)
    figures = call("grade_history", c, window_days=30)
    assert figures == {"complainants_30d": 3, "related_cases": ["A", "B"], "repeats_after_closure": 1,
                       "days_open": 31}
    assert c.history.calls[1][1] == "138"


def test_grade_history_without_history_or_subject_counts_nothing():
    c = ctx(subject=None)
    c.history = FakeHistory(others=["A"])
    assert call("grade_history", c)["complainants_30d"] == 1
    c = ctx()
    c.history = None
    assert call("grade_history", c)["related_cases"] == []


def test_record_grade_and_tier_check_their_values():
    with pytest.raises(ValueError):
        call("record_grade", ctx(), grade="G5", reason="x")
    with pytest.raises(ValueError):
        call("record_tier", ctx(), tier=4, group="x")


def test_record_tier_notifies_only_when_the_tier_rises():
    c = ctx(tier=2)
    call("record_tier", c, tier=2, group="tier_2_handler")
    assert not c.notices
    call("record_tier", c, tier=3, group="tier_3_handler", escalate_to=["group:general_manager"])
    assert [n.recipient for n in c.notices] == ["group:tier_3_handler", "group:general_manager"]


def test_record_closure_marks_malicious_closures_and_informs():
    c = ctx()
    call("record_closure", c, reason="malicious", note="why", inform="user:agent")
    assert c.case_updates["status"] == "closed_malicious"
    assert c.notices[0].recipient == "user:agent"


def test_record_status_and_responsibility_refuse_unknown_values():
    with pytest.raises(ValueError):
        call("record_status", ctx(), status="lost")
    with pytest.raises(ValueError):
        call("record_responsibility", ctx(), responsibility="nobody", department=None, person=None)
    with pytest.raises(ValueError):
        call("record_satisfaction", ctx(), score=6, comment=None)


def test_assessment_records_a_proposal_for_the_executor():
    c = ctx()
    call("assessment", c, target="SP-1", target_type="service_point", reason="late", executor="group:finance")
    assert c.records[0][0] == "assessment_proposed"
    assert c.notices[0].recipient == "group:finance"
    with pytest.raises(ValueError):
        call("assessment", c, target="x", target_type="person", reason="r", executor="group:finance")


def test_real_estate_8_clock_start_runs_until_the_promised_moment_in_calendar_time():
    c = ctx()
    call("clock_start", c, name="promised-reply", due="2026-03-02T18:00:00+08:00", business_time=True,
         breach_to=["customer", "group:service_supervisor"])
    [(kind, started)] = c.records
    assert kind == "clock_started"
    assert (started["duration"], started["business_time"], started["until"]) == (
        "PT3600S", False, "2026-03-02T18:00:00+08:00")  # 10:00 UTC: one hour after NOW, not working time
    assert started["breach_to"] == "customer,group:service_supervisor"


def test_clock_start_with_a_promise_already_past_falls_due_at_once_and_an_empty_one_starts_no_clock():
    c = ctx()
    call("clock_start", c, name="promised-reply", due="2026-03-01T09:00:00")  # naive: read as UTC, a day ago
    assert c.records[0][1]["duration"] == "PT0S"
    c = ctx()
    assert call("clock_start", c, name="promised-reply", due=None) == {"clock": "promised-reply", "started": None}
    assert c.records == []
    with pytest.raises(ValueError, match="not an ISO-8601 date and time"):
        call("clock_start", ctx(), name="promised-reply", due="tomorrow")
    with pytest.raises(ValueError, match="needs an ISO-8601 duration"):
        call("clock_start", ctx(), name="K1")
