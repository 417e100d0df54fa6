"""The worker's one due-times statement: a pass runs only the duties with work due, and work no claim can take
(the timer of an instance that cannot fire) does not wake the worker at once, pass after pass."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, func, select

from tests.helpers import instance_of
from tests.worker.conftest import start_sla
from webapp.deadlines.timers import FIREABLE
from webapp.engine import clock
from webapp.engine.clock import now
from webapp.extensions import db
from webapp.models import Instance, Timer
from webapp.worker import Worker, due


def test_a_due_timer_of_an_instance_that_cannot_fire_does_not_keep_the_worker_awake(app, users, sla, smtp, settings):
    case = start_sla()
    worker = Worker(db.session, settings)
    worker.run_once()  # the acknowledgement e-mail
    instance = instance_of(case)
    db.session.add(Timer(instance_id=instance.id, task_id="stuck-timer", spec_id="t", due_at=now()))
    instance.status = "error"  # an error instance keeps its waiting timer until repaired
    db.session.commit()
    clock.advance(timedelta(minutes=1))
    assert worker.run_once() == 0
    assert worker.sleep_seconds() > 0  # was 0: the loop spun on the timer no claim takes
    due = worker.next_due()
    assert due is None or due > now()


def test_a_pass_with_nothing_due_reads_the_due_times_in_one_statement(app, users, sla, smtp, settings):
    start_sla()
    worker = Worker(db.session, settings)
    worker.run_once()
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert worker.run_once() == 0
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # one statement, besides the planner-statistics check PostgreSQL workers make every few seconds
    assert len([s for s in seen if "pg_class" not in s]) == 1, seen
    assert worker.sleep_seconds() > 0


def test_the_earliest_timer_is_the_first_due_of_an_instance_that_can_fire(app, users, sla, smtp, settings):
    """Read in due order until a fireable instance's timer (not min() over every waiting timer joined to its
    instance, which read all of them on every pass): earlier timers of a stuck instance are passed over."""
    case = start_sla()
    instance = instance_of(case)
    first = db.session.scalars(select(Timer).where(Timer.instance_id == instance.id,
                                                   Timer.state == "waiting")).first()
    stuck = instance_of(start_sla())
    soon = now() + timedelta(seconds=5)
    db.session.add_all([Timer(instance_id=stuck.id, task_id=f"stuck-{n}", spec_id="t", due_at=soon) for n in range(3)])
    stuck.status = "suspended"
    db.session.commit()
    expected = db.session.scalar(select(func.min(Timer.due_at)).join(Instance, Instance.id == Timer.instance_id)
                                 .where(Timer.state == "waiting", Instance.status.in_(FIREABLE)))
    assert expected is not None and (first is None or expected <= first.due_at) and expected > soon
    assert due.read(db.session).timers == expected
