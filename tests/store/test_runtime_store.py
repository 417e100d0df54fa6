"""Runtime + persistence: one transaction per step, error status, version pinning, timers, long loops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from tests.fixtures import handlers as fixture_handlers
from tests.helpers import complete, instance_of, open_task, register
from webapp.deadlines.timers import fire_due_timers
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Event, HumanTask, Outbox, Timer
from webapp.workflow import transitions as runtime
from webapp.workflow.definitions import deploy_files

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _reset_fail():
    fixture_handlers.FAIL["notify"] = False
    yield
    fixture_handlers.FAIL["notify"] = False


def test_start_writes_state_tasks_timers_and_events_together(mini, users):
    clock.freeze(T0)
    case = register()
    inst = instance_of(case)
    assert inst.status == "user_input" and inst.state and inst.definition.version == 1
    task = open_task(case)
    assert (task.title, task.group_key, task.due_at) == ("Find the facts", "tier_1_handler", T0 + timedelta(hours=4))
    assert task.customer_name == "Li Lei" and task.grade == "G4" and task.tier == 1
    timers = db.session.scalars(select(Timer).where(Timer.instance_id == inst.id)).all()
    assert [(t.spec_id, t.due_at, t.state) for t in timers] == [("late", T0 + timedelta(hours=4), "waiting")]
    kinds = db.session.scalars(select(Event.kind).where(Event.case_id == case.id).order_by(Event.id)).all()
    assert kinds[:3] == ["case_registered", "instance_started", "task_ready"] and "graded" in kinds


def test_timer_fires_only_when_the_clock_passes_its_due_time(mini, users):
    clock.freeze(T0)
    case = register()
    assert fire_due_timers(db.session) == 0
    clock.advance(timedelta(hours=3, minutes=59))
    assert fire_due_timers(db.session) == 0
    clock.advance(timedelta(minutes=2))
    assert fire_due_timers(db.session) == 1
    notices = db.session.scalars(select(Outbox).where(Outbox.case_id == case.id)).all()
    assert [(n.recipient, n.template) for n in notices] == [("group:service_supervisor", "deadline_missed")]
    timer = db.session.scalars(select(Timer).where(Timer.instance_id == case.instance_id)).one()
    assert timer.state == "fired"
    assert open_task(case).title == "Find the facts"  # non-interrupting: the task stays
    assert fire_due_timers(db.session) == 0  # fired once only


def test_handler_error_puts_instance_in_error_and_keeps_nothing_of_the_attempt(mini, users):
    case = register()
    complete(case, "Find the facts", {"cause": "busy"}, "handler1")
    complete(case, "Agree the solution", {"solution_type": "apology"}, "handler1")
    fixture_handlers.FAIL["notify"] = True
    before_events = db.session.scalar(select(func.count()).select_from(Event))
    task = open_task(case, "Follow-up call")
    state_before = instance_of(case).state
    from tests.helpers import user
    from webapp.tasks import service as tasks

    tasks.complete(db.session, task.id, {"satisfaction": 5}, user("agent"))
    inst = instance_of(case)
    assert inst.status == "error"
    assert inst.state == state_before
    assert inst.error["element"] == "notify_closed"
    assert "mail server refused" in inst.error["message"] and "ConnectionError" in inst.error["trace"]
    assert inst.error["task_name"] == "Tell the customer" and inst.error["attempts"] == 1
    assert inst.pending_action["kind"] == "complete" and inst.pending_action["data"] == {"satisfaction": 5}
    assert db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.case_id == case.id)) == 0
    assert open_task(case).title == "Follow-up call"
    kinds = db.session.scalars(select(Event.kind).where(Event.id > before_events)).all()
    assert kinds == ["error"]
    fixture_handlers.FAIL["notify"] = False
    runtime.replay_pending(db.session, inst, "admin")
    db.session.commit()
    inst = instance_of(case)
    assert inst.status == "complete" and inst.error is None
    assert db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.case_id == case.id)) == 1


def test_running_instance_stays_on_its_version(mini, users):
    old = register()
    from tests.conftest import FIXTURES
    from webapp.engine.pack import read_dir

    files, forms = read_dir(FIXTURES / "processes", FIXTURES / "forms")
    files["mini.bpmn"] = files["mini.bpmn"].replace(b'name="Agree the solution"', b'name="Agree a remedy"')
    assert deploy_files(db.session, files, forms, "owner")[0].version == 2
    new = register()
    assert instance_of(old).definition.version == 1 and instance_of(new).definition.version == 2
    complete(old, "Find the facts", {"cause": "x"}, "handler1")
    complete(new, "Find the facts", {"cause": "x"}, "handler1")
    assert open_task(old).title == "Agree the solution"
    assert open_task(new).title == "Agree a remedy"


@pytest.mark.slow
def test_a_case_reopened_300_times_still_advances_and_completes(mini, users):
    """SpiffWorkflow's TaskIterator stops at depth 1000; the reopen loop goes far deeper."""
    case = register()
    complete(case, "Find the facts", {"cause": "x"}, "handler1")
    for _ in range(300):
        complete(case, "Agree the solution", {"solution_type": "apology"}, "handler1")
        complete(case, "Follow-up call", {"satisfaction": 1}, "agent")
    complete(case, "Agree the solution", {"solution_type": "rework"}, "handler1")
    complete(case, "Follow-up call", {"satisfaction": 5}, "agent")
    assert instance_of(case).status == "complete"
    completed = db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.state == "completed"))
    assert completed == 1 + 2 * 301


def test_a_completion_ends_its_task_and_cancels_its_timer_without_reading_the_timers(mini, users):
    clock.freeze(T0)
    case = register()
    task_id = open_task(case).id
    db.session.commit()
    sent: list[str] = []

    def _log(conn, cursor, statement, *args):  # noqa: ANN001, ANN202
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", _log)
    try:
        done = complete(case, "Find the facts", {"cause": "busy"}, "handler1")
    finally:
        event.remove(db.engine, "before_cursor_execute", _log)
    assert (done.state, done.completed_by) == ("completed", "handler1")
    assert not [s for s in sent if s.startswith("SELECT") and " FROM timer " in s]  # cancelled by task id
    if db.engine.dialect.name == "postgresql":  # the task's end goes with the transition's rows
        assert not [s for s in sent if s.startswith("UPDATE human_task")]
    db.session.expire_all()
    row = db.session.get(HumanTask, task_id)
    assert (row.state, row.completed_by, row.completed_at) == ("completed", "handler1", T0)
    timer = db.session.scalars(select(Timer).where(Timer.instance_id == case.instance_id)).one()
    assert (timer.spec_id, timer.state, timer.fired_at) == ("late", "cancelled", None)
    assert open_task(case).title == "Agree the solution"
