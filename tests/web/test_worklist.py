"""Worklist: tabs, claim/unclaim, supervisor reassign, filters, keyset paging, header counters, deadlines."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from tests.helpers import GRIEVANCE, register
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Event, HumanTask


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-task="(\d+)" data-case="([^"]*)"', page)


def test_new_case_is_on_top_of_the_group_queue_and_claim_moves_it_to_my_tasks(web: Any, mini: Any) -> None:
    first = register()
    second = register({**GRIEVANCE, "customer": {"name": "Han Meimei", "phone": "13900000002"}})
    web.login("handler1")
    page = web.text("/?tab=group")
    numbers = [case for _, case in _rows(page)]
    assert numbers == [first.number, second.number], "sorted by deadline, oldest first"
    assert 'class="badge G4"' in page and "due in 4 hours" in page and "Han Meimei" in page
    task_id = _rows(page)[0][0]
    r = web.post(f"/tasks/{task_id}/claim", {"next": "/?tab=group"})
    assert r.status_code == 302
    mine = web.text("/?tab=mine")
    assert [c for _, c in _rows(mine)] == [first.number]
    assert "1 with me" in mine
    assert first.number not in web.text("/?tab=group")
    web.post(f"/tasks/{task_id}/unclaim", {"next": "/"})
    assert first.number in web.text("/?tab=group")
    assert 'data-testid="my-counter"' not in web.text("/?tab=mine"), "no '0 open' badge (issue 14)"


def test_overdue_tasks_are_red_and_counted_in_the_header(web: Any, mini: Any) -> None:
    case = register()
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    web.login("handler1")
    web.post(f"/tasks/{task.id}/claim", {"next": "/"})
    clock.advance(timedelta(hours=5))
    page = web.text("/?tab=overdue")
    assert case.number in page
    assert re.search(r'class="due overdue"[^>]*>overdue by (1 hour|60 minutes)', page), page[-3000:]
    assert "1 overdue" in page


def test_team_tab_is_for_supervisors_only(web: Any, mini: Any) -> None:
    register()
    web.login("handler1")
    assert 'data-testid="tab-team"' not in web.text("/")
    page = web.text("/?tab=team")  # not a supervisor: falls back to my tasks instead of failing
    assert 'aria-current="page" data-testid="tab-mine"' in page and "Reassign" not in page
    web.login("supervisor")
    page = web.text("/?tab=team")
    assert 'data-testid="tab-team"' in page and "Reassign" in page


def test_supervisor_reassigns_to_a_named_colleague_and_the_timeline_records_it(web: Any, mini: Any) -> None:
    case = register()
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    web.login("supervisor")
    web.get("/?tab=team")
    r = web.post(f"/tasks/{task.id}/assign", {"username": "handler1b", "next": "/?tab=team"})
    assert r.status_code == 302
    assert "is now with handler1b" in web.text("/?tab=team")
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee == "handler1b"
    events = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "task_assigned")).all()
    assert [e.data["to"] for e in events] == ["handler1b"] and events[0].actor == "supervisor"
    page = web.text(f"/cases/{case.number}")
    assert "Task reassigned" in page and "to handler1b" in page


def test_a_handler_cannot_reassign(web: Any, mini: Any) -> None:
    case = register()
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    web.login("handler1")
    web.post(f"/tasks/{task.id}/assign", {"username": "handler1b", "next": "/"})
    assert "only a supervisor" in web.text("/")
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee is None


def test_filters_and_keyset_paging(web: Any, mini: Any) -> None:
    made = [register({**GRIEVANCE, "customer": {"name": f"Customer {i}", "phone": f"1380000{i:04d}"}})
            for i in range(7)]
    web.login("handler1")
    seen: list[str] = []
    url = "/?tab=group&limit=3"
    while url:
        page = web.text(url)
        seen += [c for _, c in _rows(page)]
        m = re.search(r'href="([^"]*cursor=[^"]*)" rel="next"', page)
        url = m.group(1).replace("&amp;", "&") if m else ""
    assert seen == [c.number for c in made], "every task exactly once, in deadline order"
    assert _rows(web.text("/?tab=group&grade=G1")) == []
    assert len(_rows(web.text("/?tab=group&grade=G4&kind=grievance"))) == 7
    assert _rows(web.text("/?tab=group&category=no-such-category")) == []


def test_someone_elses_claimed_task_cannot_be_claimed(web_factory: Any, mini: Any) -> None:
    case = register()
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    a, b = web_factory().login("handler1"), web_factory().login("handler1b")
    b.get("/?tab=group")
    a.post(f"/tasks/{task.id}/claim", {"next": "/"})
    b.post(f"/tasks/{task.id}/claim", {"next": "/?tab=group"})
    assert "already claimed by handler1" in b.text("/?tab=group")


def test_overdue_tab_pages_through_mine_and_my_groups_late_tasks_by_deadline(web: Any, mini: Any, app: Any) -> None:
    from tests.helpers import user
    from webapp.tasks import service as tasks
    from webapp.tasks.worklist import list_tasks

    made = [register({**GRIEVANCE, "customer": {"name": f"C{i}", "phone": f"1370000{i:04d}"}}) for i in range(7)]
    handler = db.session.scalars(select(HumanTask).where(HumanTask.case_id.in_([c.id for c in made]))).all()
    for row in handler[::2]:
        tasks.claim(db.session, row.id, user("handler1"))
    tasks.claim(db.session, handler[1].id, user("handler1b"))  # someone else's: not in my overdue list
    clock.advance(timedelta(hours=5))
    me = user("handler1")
    late = [t for t in db.session.scalars(select(HumanTask).where(HumanTask.state == "open"))
            if t.due_at is not None and t.due_at < clock.now()
            and (t.assignee == "handler1" or (t.assignee is None and t.group_key in me.group_keys))]
    expected = [t.id for t in sorted(late, key=lambda t: (t.due_at, t.id))]
    seen, cursor = [], None
    while True:
        page = list_tasks(db.session, me, "overdue", cursor=cursor, limit=2)
        seen += [t.id for t in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == expected and len(seen) == 6
    assert f"/tasks/{expected[0]}" in web.login("handler1").text("/?tab=overdue")


def test_a_unit_queue_shows_the_units_name_from_master_data_in_the_users_language(web: Any, mini: Any) -> None:
    """Named routing (car-maker rules 4.2: the named department): the queue reads "Department: After-sales" /
    "部门：售后", not the raw key "department:after_sales"; a unit not kept in master data falls back to its key."""
    from webapp.masterdata import service as masterdata

    masterdata.create(db.session, "department", {"key": "after_sales", "name_en": "After-sales", "name_zh": "售后",
                                                 "attrs": {"head": "handler1b", "members": ["handler1"]}}, "admin")
    case, other = register(), register({**GRIEVANCE, "customer": {"name": "Han Meimei", "phone": "13900000002"}})
    tasks = {t.case_id: t for t in db.session.scalars(select(HumanTask).where(HumanTask.state == "open"))}
    tasks[case.id].group_key = "department:after_sales"
    tasks[other.id].group_key = "service_point:sp_gone"
    db.session.commit()
    web.login("handler1")
    page = web.text("/?tab=group")
    assert "Department: After-sales" in page and "department:after_sales" not in page
    assert "Department: After-sales" in web.text(f"/tasks/{tasks[case.id].id}")
    assert "Department: After-sales" in web.text(f"/cases/{case.number}")
    web.post("/language", {"language": "zh", "next": "/"})
    assert "部门：售后" in web.text("/?tab=group")
    assert "部门：售后" in web.text(f"/tasks/{tasks[case.id].id}")
    web.login("admin")
    assert "Service point: sp_gone" in web.text(f"/cases/{other.number}")


def test_a_paging_cursor_at_the_ends_of_the_calendar_is_refused_not_a_500(web: Any, mini: Any) -> None:
    """A cursor naming a due time at year 1 or 9999 with an offset (0001-01-01T00:00+14:00) overflowed converting it
    to UTC for the query (a 500): it is refused like any bad cursor, and the first page is shown."""
    import base64
    import json

    case = register()
    web.login("handler1")
    for due in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:00-12:00"):
        cursor = base64.urlsafe_b64encode(json.dumps([0, due, 1]).encode()).decode().rstrip("=")
        r = web.get(f"/?tab=group&cursor={cursor}")
        assert r.status_code == 200, due
        assert "bad cursor" in r.get_data(as_text=True) and case.number in r.get_data(as_text=True)
