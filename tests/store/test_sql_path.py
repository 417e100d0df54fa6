"""The statements around a completion: the history figures in one query, the user's groups in one, and the role
check as strict as ever (a user's groups are read from the database in the completion's own transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, event, select

from tests.helpers import open_task, register, user
from webapp.engine.clock import now
from webapp.errors import Forbidden
from webapp.extensions import db
from webapp.masterdata.issues import subject_key
from webapp.models import Case, Group, Membership
from webapp.tasks import service as tasks
from webapp.workflow.history import DbHistory


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent inside the block."""
    sent: list[str] = []

    def _record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", _record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", _record)


def _case(number: str, phone: str, status: str = "open", days_ago: float = 1, subject: str = "Broken door") -> Case:
    case = Case(number=number, channel="phone", kind="grievance", category="facilities", subject=subject,
                issue_key=subject_key(subject), customer_name=f"C {phone}", customer_phone=phone, description="-",
                status=status, registered_by="agent", created_at=now() - timedelta(days=days_ago))
    db.session.add(case)
    return case


def test_both_history_figures_of_a_grading_step_come_from_one_query(app):
    me = _case("ME", "100")
    _case("A", "101")  # another complainant, this month
    _case("B", "101", days_ago=2)  # the same complainant again: counted once
    _case("C", "102", status="closed_malicious")  # malicious: neither a complainant nor a repeat
    _case("D", "103", status="closed", days_ago=90)  # closed long ago: a repeat, not a recent complainant
    _case("E", "104", status="closed")  # closed this month: both
    _case("F", "105", subject="Rude driver")  # another issue
    _case("G", "100", days_ago=3)  # my own earlier case: not another complainant
    db.session.commit()
    history = DbHistory(db.session, me)
    with statements() as sent:
        related = history.distinct_complainants("facilities", "Broken door", now() - timedelta(days=30), "ME")
        repeats = history.repeats_after_closure("100", "facilities", "Broken door", "ME")
    assert related == ["A", "E"] and repeats == 2  # one number per complainant: the first
    assert len(sent) == 1
    fresh = DbHistory(db.session, me)  # repeats asked alone still answers (its own query)
    assert fresh.repeats_after_closure("100", "facilities", "Broken door", "ME") == 2
    assert fresh.repeats_after_closure("100", "other", "Broken door", "ME") == 0


def test_an_expired_user_and_its_groups_are_read_in_one_query(mini, users):
    case = register()
    task_id = open_task(case).id
    worker = user("handler1")
    db.session.expire_all()
    with statements() as sent:
        tasks.complete(db.session, task_id, {"cause": "late bus"}, worker)
    assert sum("FROM user_account" in s or "FROM membership" in s for s in sent) == 1


@pytest.mark.parametrize("expire", [True, False])
def test_a_user_taken_out_of_the_group_is_refused_at_the_next_completion(mini, users, expire):
    case = register()
    task_id = open_task(case).id
    worker_id = user("handler1").id
    group_ids = select(Group.id).where(Group.key == open_task(case).group_key)
    db.session.execute(delete(Membership).where(Membership.user_id == worker_id, Membership.group_id.in_(group_ids)))
    db.session.commit()
    db.session.remove()  # the next request: a new session
    worker = db.session.get(type(user("handler1")), worker_id)
    if expire:
        db.session.expire(worker)
    with pytest.raises(Forbidden):
        tasks.complete(db.session, task_id, {"cause": "late bus"}, worker)
