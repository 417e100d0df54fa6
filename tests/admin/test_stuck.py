"""Each stuck kind, produced for real, shows on the stuck list with the rule and a reason that says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.admin.conftest import SETTINGS, errored_case
from tests.helpers import instance_of, open_task, register
from webapp.admin.instances import InstanceFilters, list_instances, matching_ids, status_counts
from webapp.admin.stuck import count_by_rule
from webapp.deadlines.timers import fire_due_timers
from webapp.engine import clock
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import Outbox
from webapp.workflow import transitions as runtime


def stuck_rows(rule: str | None = None) -> dict[int, dict[str, str]]:
    """instance id -> {rule: reason text} of the stuck list (optionally one rule)."""
    rows, _ = list_instances(db.session, InstanceFilters(stuck=True, rule=rule), SETTINGS)
    return {r.instance.id: {x.rule: x.text for x in r.reasons} for r in rows}


def test_handler_that_raises_is_stuck_with_its_error(mini, users):
    case = errored_case()
    inst = instance_of(case)
    reasons = stuck_rows()[inst.id]
    assert set(reasons) == {"error"}
    assert "Tell the customer" in reasons["error"] and "mail server refused the connection" in reasons["error"]
    assert stuck_rows("error") == {inst.id: reasons}


def test_due_timer_with_no_worker_running_is_stuck_after_the_grace_minute(mini, users, frozen):
    inst = instance_of(register())
    clock.advance(timedelta(hours=4, seconds=30))  # due, but within the one-minute grace
    assert "timer_late" not in stuck_rows().get(inst.id, {})
    clock.advance(timedelta(minutes=5))
    reasons = stuck_rows()[inst.id]
    assert "timer '4 hours passed' was due 5 min ago and has not fired: is the worker running?" in \
        reasons["timer_late"]
    fire_due_timers(db.session)  # the worker runs: the timer is no longer late
    assert "timer_late" not in stuck_rows().get(inst.id, {})


def test_unclaimed_overdue_task_is_stuck_and_claiming_it_clears_the_rule(mini, users, frozen):
    case = register()
    inst = instance_of(case)
    clock.advance(timedelta(hours=4, minutes=1))
    fire_due_timers(db.session)  # the worker did its job (supervisor notified); nobody took the task
    clock.advance(timedelta(hours=2))
    reasons = stuck_rows()[inst.id]
    assert set(reasons) == {"overdue_unclaimed"}
    assert reasons["overdue_unclaimed"].startswith("task 'Find the facts' was due 2 h 1 min ago")
    assert "nobody in 'Tier-1 handlers' has claimed it" in reasons["overdue_unclaimed"]  # the queue in words
    from tests.helpers import user
    from webapp.tasks import service as tasks

    tasks.claim(db.session, open_task(case).id, user("handler1"))
    assert inst.id not in stuck_rows()


def test_outbox_message_failing_repeatedly_is_stuck(mini, users, frozen):
    case = register()
    clock.advance(timedelta(hours=4, minutes=1))
    fire_due_timers(db.session)
    message = db.session.scalars(select(Outbox).where(Outbox.case_id == case.id)).one()
    for attempt in range(1, 4):  # what the worker writes after each failed delivery
        message.attempts, message.last_error = attempt, "SMTP 451 4.3.0 mail server temporarily unavailable"
        db.session.commit()
        rule_hit = "outbox_failing" in stuck_rows().get(case.instance_id, {})
        assert rule_hit is (attempt >= SETTINGS.outbox_attempts)
    assert stuck_rows("outbox_failing")[case.instance_id]["outbox_failing"] == (
        "in_app 'deadline_missed' to group:service_supervisor failed 3 times: "
        "SMTP 451 4.3.0 mail server temporarily unavailable")
    message.status = "sent"
    db.session.commit()
    assert "outbox_failing" not in stuck_rows().get(case.instance_id, {})


def test_instance_waiting_on_nothing_has_no_path(waits, users):
    inst = runtime.start_instance(db.session, "signal_wait", {}, "admin")
    db.session.commit()
    assert inst.status == "running"
    reasons = stuck_rows()[inst.id]
    assert reasons["no_path"] == "status 'running' but no open task, no waiting timer and no waiting message"


def test_waiting_on_a_message_is_fine_until_it_has_been_idle_too_long(waits, users, frozen):
    inst = runtime.start_instance(db.session, "message_wait", {}, "admin")
    db.session.commit()
    assert inst.status == "waiting" and inst.id not in stuck_rows()
    clock.advance(SETTINGS.idle_after + timedelta(hours=1))
    assert stuck_rows()[inst.id] == {"idle": "no activity for 3 days (status 'waiting', nobody's turn)"}


def test_a_quiet_case_waiting_on_a_person_who_has_claimed_it_is_not_stuck(mini, users, frozen):
    from tests.helpers import user
    from webapp.tasks import service as tasks

    case = register()
    tasks.claim(db.session, open_task(case).id, user("handler1"))
    clock.advance(timedelta(hours=4, minutes=1))
    fire_due_timers(db.session)
    clock.advance(SETTINGS.idle_after + timedelta(hours=1))
    assert case.instance_id not in stuck_rows()


def test_counts_filters_and_keyset_paging(mini, users):
    cases = [register() for _ in range(5)]
    broken = errored_case(name="Wang Fang", email="wang@example.test", phone="13900000002")
    counts = status_counts(db.session)
    assert counts["user_input"] == 5 and counts["error"] == 1 and counts["complete"] == 0
    assert count_by_rule(db.session, clock.now(), SETTINGS)["error"] == 1
    page1, cursor = list_instances(db.session, InstanceFilters(status="user_input"), SETTINGS, limit=2)
    page2, cursor2 = list_instances(db.session, InstanceFilters(status="user_input"), SETTINGS, cursor, limit=2)
    page3, cursor3 = list_instances(db.session, InstanceFilters(status="user_input"), SETTINGS, cursor2, limit=2)
    ids = [r.instance.id for r in page1 + page2 + page3]
    assert ids == sorted((c.instance_id for c in cases), reverse=True) and cursor3 is None
    assert [r.case.number for r in page1] == [cases[4].number, cases[3].number]
    by_text = matching_ids(db.session, InstanceFilters(error_text="MAIL SERVER"), SETTINGS)
    assert by_text == [broken.instance_id]
    assert matching_ids(db.session, InstanceFilters(case_number=cases[0].number), SETTINGS) == [cases[0].instance_id]
    assert matching_ids(db.session, InstanceFilters(grade="G1"), SETTINGS) == []
    assert len(matching_ids(db.session, InstanceFilters(process="complaint", version=1, grade="G4"), SETTINGS)) == 6
    with pytest.raises(Invalid):
        list_instances(db.session, InstanceFilters(status="sleeping"), SETTINGS)


def test_the_list_never_loads_a_workflow(mini, users, monkeypatch):
    errored_case()
    register()

    def refuse(*args, **kwargs):
        raise AssertionError("the instance list deserialized a workflow")

    monkeypatch.setattr("webapp.engine.serializer.load_state", refuse)
    monkeypatch.setattr("webapp.engine.repair.load_state", refuse)
    monkeypatch.setattr("webapp.engine.runtime.load_state", refuse)
    monkeypatch.setattr("webapp.engine.wfcache.load_state", refuse)
    rows, _ = list_instances(db.session, InstanceFilters(), SETTINGS)
    assert len(rows) == 2 and any(r.reasons for r in rows)
    assert sum(status_counts(db.session).values()) == 2
