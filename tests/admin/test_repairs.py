"""Each repair continues the case, is audited with before/after, and sends nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.admin.conftest import SETTINGS, errored_case, fresh, to_followup
from tests.fixtures import handlers as fixture_handlers
from tests.helpers import complete, open_task, register, user
from webapp.admin import actions as admin
from webapp.admin import repair as admin_repair
from webapp.admin.instances import detail
from webapp.admin.models import AuditEntry
from webapp.deadlines.timers import fire_due_timers
from webapp.engine import clock
from webapp.errors import Conflict, Forbidden, Invalid
from webapp.extensions import db
from webapp.models import Case, Event, HumanTask, Outbox, Timer
from webapp.tasks import service as tasks


def outbox(case: Case) -> list[tuple[str, str]]:
    """(recipient, template) of the case's outbox rows."""
    rows = db.session.scalars(select(Outbox).where(Outbox.case_id == case.id).order_by(Outbox.id))
    return [(r.recipient, r.template) for r in rows]


def last_audit() -> AuditEntry:
    """The newest audit entry."""
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def test_retry_after_the_fix_completes_the_case_and_sends_one_mail(mini, users):
    case = errored_case()
    admin_user = user("admin")
    fixture_handlers.FAIL["notify"] = True  # not fixed yet: the retry fails again and says so
    result = admin_repair.retry(db.session, case.instance_id, admin_user, "mail server back?")
    assert (result.ok, result.status) == (False, "error")
    assert result.message == "still failing: handler 'test_notify' failed: ConnectionError: " \
                             "mail server refused the connection"
    assert fresh(case.instance_id).error["attempts"] == 2
    fixture_handlers.FAIL["notify"] = False  # the mail settings are fixed
    result = admin_repair.retry(db.session, case.instance_id, admin_user, "SMTP password corrected")
    assert (result.ok, result.status) == (True, "complete")
    assert outbox(case) == [("customer", "closed")]
    assert db.session.get(Case, case.id).status == "closed"
    entry = last_audit()
    assert (entry.actor, entry.action, entry.reason) == ("admin", "retry", "SMTP password corrected")
    assert entry.result == "ok"
    assert entry.before["status"] == "error" and entry.after["status"] == "complete"
    assert entry.case_number == case.number and entry.target == "notify_closed"
    with pytest.raises(Conflict, match="is complete; only an instance stopped on an error can be retried"):
        admin_repair.retry(db.session, case.instance_id, admin_user, "again")
    assert outbox(case) == [("customer", "closed")]


def test_skip_the_failed_task_when_the_customer_was_told_by_phone(mini, users):
    case = errored_case()
    fixture_handlers.FAIL["notify"] = True  # still broken: skipping must not run the handler
    result = admin_repair.skip(db.session, case.instance_id, user("admin"), "told by phone on 3 March",
                               {"told_by": "phone"})
    assert (result.ok, result.status) == (True, "complete")
    assert outbox(case) == []  # the e-mail was skipped, not sent
    kinds = db.session.scalars(select(Event.kind).where(Event.instance_id == case.instance_id)).all()
    assert "task_skipped" in kinds and "admin_skip" in kinds and kinds.count("task_completed") == 3
    assert last_audit().after["data"] == {"told_by": "phone"}


def test_skip_an_open_human_task_with_form_data(mini, users):
    case = register()
    inst_id = case.instance_id
    with pytest.raises(Invalid) as bad:
        admin_repair.skip(db.session, inst_id, user("admin"), "facts known", {"cause": ""}, open_task(case).id)
    assert "cause" in (bad.value.fields or {})
    task_id = open_task(case).id
    result = admin_repair.skip(db.session, inst_id, user("admin"), "facts collected by phone",
                               {"cause": "queue too long"}, task_id)
    assert result.ok and open_task(case).title == "Agree the solution"
    assert db.session.get(HumanTask, task_id).completed_by == "admin"


def test_edit_data_fixes_the_failed_submission_and_the_retry_uses_it(mini, users):
    case = register()
    to_followup(case)
    fixture_handlers.FAIL["notify"] = True
    tasks.complete(db.session, open_task(case, "Follow-up call").id, {"satisfaction": 5}, user("agent"))
    fixture_handlers.FAIL["notify"] = False
    inst_id = case.instance_id
    diff = admin_repair.preview_data(db.session, inst_id, user("admin"),
                                     {**admin_repair.current_data(fresh(inst_id)), "satisfaction": 2, "note": "x"})
    assert diff["changed"] == {} and diff["added"] == {"satisfaction": 2, "note": "x"}
    data = admin_repair.current_data(fresh(inst_id))
    data.update({"satisfaction": 2, "solution_type": "rework"})
    result = admin_repair.edit_data(db.session, inst_id, user("admin"), "customer said 2 by phone", data)
    assert result.ok
    inst = fresh(inst_id)
    assert inst.pending_action["data"] == {"satisfaction": 2}  # the replayed submission carries the fix
    assert admin_repair.current_data(inst)["solution_type"] == "rework"
    entry = last_audit()
    assert entry.before["data"] == {"solution_type": "apology"}
    assert entry.after["data"] == {"satisfaction": 2, "solution_type": "rework"}
    admin_repair.retry(db.session, inst_id, user("admin"), "data fixed")
    assert fresh(inst_id).status == "user_input"
    assert open_task(case).title == "Agree the solution"  # satisfaction 2 reopens the solution (f_reopen)
    assert outbox(case) == []
    with pytest.raises(Invalid, match="JSON object"):
        admin_repair.edit_data(db.session, inst_id, user("admin"), "bad", [1, 2])
    with pytest.raises(Invalid, match="not valid JSON"):
        admin_repair.edit_data(db.session, inst_id, user("admin"), "bad", "{oops")
    with pytest.raises(Conflict, match="unchanged"):
        admin_repair.edit_data(db.session, inst_id, user("admin"), "same", admin_repair.current_data(fresh(inst_id)))


def test_reassign_suspend_resume_and_terminate(mini, users, frozen):
    case = register()
    inst_id, task_id = case.instance_id, open_task(case).id
    with pytest.raises(Invalid, match="handler2 is not a member of"):
        admin.reassign(db.session, inst_id, user("admin"), "cover", task_id, "handler2")
    admin.reassign(db.session, inst_id, user("admin"), "handler1 is on leave", task_id, "handler1b")
    assert db.session.get(HumanTask, task_id).assignee == "handler1b"
    admin.suspend(db.session, inst_id, user("admin"), "customer asked to wait")
    clock.advance(timedelta(hours=5))
    assert fire_due_timers(db.session) == 0  # suspended: the 4-hour timer does not fire
    with pytest.raises(Conflict, match="suspended"):
        complete(case, "Find the facts", {"cause": "x"}, "handler1b")
    with pytest.raises(Conflict, match="is suspended; only running, waiting, user_input or error"):
        admin.suspend(db.session, inst_id, user("admin"), "again")
    admin.resume(db.session, inst_id, user("admin"), "customer is back")
    assert fresh(inst_id).status == "user_input"
    with pytest.raises(Conflict, match="not suspended; there is nothing to resume"):
        admin.resume(db.session, inst_id, user("admin"), "again")
    assert fire_due_timers(db.session) == 1  # the overdue timer fires once resumed
    result = admin.terminate(db.session, inst_id, user("admin"), "duplicate of CL-2026-000099")
    assert result.status == "terminated"
    term_case = db.session.get(Case, case.id)
    assert term_case.status == "terminated"
    assert term_case.record["terminated"]["reason"] == "duplicate of CL-2026-000099"
    assert db.session.get(HumanTask, task_id).state == "cancelled"
    terminated_events = db.session.scalars(select(Event).where(Event.case_id == case.id,
                                                               Event.kind == "admin_terminate")).all()
    assert [e.data["reason"] for e in terminated_events] == ["duplicate of CL-2026-000099"]
    with pytest.raises(Conflict, match="already terminated"):
        admin.terminate(db.session, inst_id, user("admin"), "again")


def test_fire_a_timer_now(mini, users, frozen):
    case = register()
    timer = db.session.scalars(select(Timer).where(Timer.instance_id == case.instance_id)).one()
    result = admin_repair.fire_timer(db.session, case.instance_id, user("admin"), "supervisor must know now",
                                     timer.id)
    assert result.ok and outbox(case) == [("group:service_supervisor", "deadline_missed")]
    timer = db.session.get(Timer, timer.id)
    assert timer.state == "fired" and timer.fired_at == clock.now()
    assert last_audit().before["due_at"] == (clock.now() + timedelta(hours=4)).isoformat()
    with pytest.raises(Conflict, match="fired"):
        admin_repair.fire_timer(db.session, case.instance_id, user("admin"), "again", timer.id)
    clock.advance(timedelta(hours=5))
    assert fire_due_timers(db.session) == 0  # nothing fires twice
    assert len(outbox(case)) == 1


def test_redeliver_resets_a_failed_message_but_never_a_delivered_one(mini, users, frozen):
    case = register()
    clock.advance(timedelta(hours=4, minutes=1))
    fire_due_timers(db.session)
    message = db.session.scalars(select(Outbox).where(Outbox.case_id == case.id)).one()
    message.status, message.attempts, message.last_error = "dead", 5, "SMTP 550 relay denied"
    db.session.commit()
    result = admin.redeliver(db.session, case.instance_id, user("admin"), "relay fixed", message.id)
    assert result.ok
    message = db.session.get(Outbox, message.id)
    assert (message.status, message.attempts, message.next_attempt_at) == ("pending", 0, clock.now())
    assert last_audit().before["messages"][0]["attempts"] == 5
    with pytest.raises(Conflict, match="no failed message"):
        admin.redeliver(db.session, case.instance_id, user("admin"), "again", message.id)
    message.status, message.sent_at = "sent", clock.now()
    db.session.commit()
    with pytest.raises(Conflict, match="already delivered"):
        admin.redeliver(db.session, case.instance_id, user("admin"), "again", message.id)
    assert db.session.scalar(select(func.count()).select_from(Outbox)) == 1


def test_move_the_token_back_to_an_earlier_task(mini, users, frozen):
    case = register()
    complete(case, "Find the facts", {"cause": "busy"}, "handler1")
    complete(case, "Agree the solution", {"solution_type": "compensation"}, "handler1")
    info = detail(db.session, case.instance_id, SETTINGS)
    points = {p.name: p for p in info.reset_points}
    assert set(points) == {"Find the facts", "Agree the solution"}
    assert points["Find the facts"].undoes == ["Agree the solution"]
    with pytest.raises(Conflict, match="not a completed user task"):
        admin_repair.reset(db.session, case.instance_id, user("admin"), "try it", open_task(case).task_id)
    result = admin_repair.reset(db.session, case.instance_id, user("admin"), "solution entered on the wrong case",
                                points["Agree the solution"].task_id)
    assert result.ok and result.status == "user_input"
    task = open_task(case)
    assert task.title == "Agree the solution" and task.completed_by is None and task.assignee is None
    assert admin_repair.current_data(fresh(case.instance_id)).get("solution_type") is None
    complete(case, "Agree the solution", {"solution_type": "apology"}, "handler1")
    assert open_task(case).title == "Follow-up call"


def test_actions_need_the_admin_role_and_a_reason(mini, users):
    case = errored_case()
    with pytest.raises(Forbidden):
        admin_repair.retry(db.session, case.instance_id, user("supervisor"), "let me")
    with pytest.raises(Invalid, match="say why"):
        admin_repair.retry(db.session, case.instance_id, user("admin"), "  ")
    assert fresh(case.instance_id).status == "error"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
