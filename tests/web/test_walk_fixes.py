"""Frictions a new user met on a walk of the product: deadline labels, reply dates, objects, languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.helpers import register
from webapp.deadlines.models import Deadline
from webapp.engine import clock
from webapp.extensions import db


def _clock(case_id: int, number: str, name: str, duration: str, business: bool = False) -> Deadline:
    at = clock.now()
    row = Deadline(case_id=case_id, case_number=number, name=name, duration=duration, business_time=business,
                   state="running", started_at=at, due_at=at + timedelta(hours=4), budget_seconds=4 * 3600.0)
    db.session.add(row)
    db.session.commit()
    return row


def test_T1_deadline_is_stated_once_label_shows_the_clock_duration_not_a_fixed_one(web: Any, mini: Any) -> None:
    """Complaint handling §5 (T1: 'callback within 3 hours' is configuration): the owner set the clock to 4 h."""
    case = register()
    _clock(case.id, case.number, "T1-callback", "PT4H")
    _clock(case.id, case.number, "T1-notice", "PT45M")
    _clock(case.id, case.number, "T5-first-response", "EOD", business=True)
    web.login("supervisor")
    page = web.text(f"/cases/{case.number}")
    assert "T1 callback promised (4 h)" in page and "(3 h)" not in page
    assert "T1 coordination notice (45 min)" in page and "(30 min)" not in page
    assert "T5 first response (same working day)" in page
    web.post("/language", {"language": "zh", "next": "/"})
    page = web.text(f"/cases/{case.number}")
    assert "T1 承诺回电（4 小时）" in page and "3 小时" not in page and "3小时" not in page
    assert "T1 协调通知（45 分钟）" in page
    drill = web.text("/reports/cases?metric=all")
    assert "T1 承诺回电（4 小时）" in drill


def test_clock_started_with_a_due_time_falls_due_at_that_minute_not_one_before(web: Any, mini: Any) -> None:
    """Complaint handling §5 (T5: a reply time promised must be kept): 10:00 promised is due 10:00, not 09:59."""
    from handlers.clocks import clock_start
    from handlers.registry import HandlerContext
    from webapp.deadlines import service as deadlines
    from webapp.deadlines.business_calendar import clock_due
    from webapp.models import Instance

    case = register()
    started = datetime(2026, 12, 4, 1, 0, 0, 700000, tzinfo=UTC)  # a moment with a fraction of a second
    promised = "2026-12-08T02:00:00+00:00"
    ctx = HandlerContext(instance_id=str(case.instance_id), case_number=case.number, data={}, actor="handler1",
                         now=started, task_id="t", task_name="t")
    clock_start(ctx, "promised-reply", due=promised)
    assert clock_due(ctx.data, "promised-reply") == promised
    instance = db.session.get(Instance, case.instance_id)
    deadlines.on_outcome(db.session, instance, case, ctx.records, "waiting", "handler1",
                         at=started + timedelta(milliseconds=300))
    row = db.session.scalars(select(Deadline).where(Deadline.name == "promised-reply")).one()
    assert row.due_at == datetime.fromisoformat(promised)


FORM = {"customer.name": "Zhang Wei", "customer.phone": "13700000007", "customer.email": "zw@example.test",
        "channel": "phone", "kind": "grievance", "category": "staff_attitude", "subject": "Service point 3",
        "description": "The receptionist shouted at me", "demand": "An apology", "facts.households": "1"}


def test_intake_an_object_not_kept_yet_is_recorded_and_counted_as_one_issue_G2_b(web: Any, mini: Any) -> None:
    """Domain §1 intake (the object of the complaint is recorded) and G2-b/G3-a (the same object counts together):
    an agent on a call types an object master data does not keep; it is kept on the case, not refused."""
    from webapp.masterdata.models import MasterItem
    from webapp.models import Case

    db.session.add(MasterItem(kind="object", key="VIN-LSV0001", name_en="Li's sedan", name_zh="李的轿车",
                              attrs={"type": "vehicle"}))
    db.session.commit()
    web.login("agent")
    page = web.text("/cases/new")
    assert 'list="f-object-suggestions"' in page
    assert '<option value="VIN-LSV0001" label="Li&#39;s sedan · Vehicle"' in page
    assert "kept on this case as typed" in page
    for typed in ("VIN  LSV 123 ", "vin lsv-123"):
        r = web.post("/cases/new", {**FORM, "object": typed})
        assert r.status_code == 302, r.get_data(as_text=True)[-1500:]
    r = web.post("/cases/new", {**FORM, "object": "li's SEDAN"})  # a kept object named as people say it
    assert r.status_code == 302
    rows = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert [c.object_key for c in rows] == ["VIN LSV 123", "vin lsv-123", "VIN-LSV0001"]
    assert rows[0].issue_key == rows[1].issue_key == "object:vinlsv123" and rows[0].issue_chosen
    assert rows[2].issue_key == "object:VIN-LSV0001"
    web.post("/language", {"language": "zh", "next": "/"})
    assert 'label="李的轿车 · 车辆"' in web.text("/cases/new")


def test_R1_how_it_was_solved_is_revealed_by_the_solved_on_the_spot_tick_without_inline_script(web: Any,
                                                                                                 mini: Any) -> None:
    """R1 (solved on the spot, recorded as such): the solution field belongs to the tick; CSP allows no inline JS."""
    web.login("agent")
    page = web.text("/cases/new")
    assert 'data-field="solution_on_the_spot" data-show-when="solved_on_the_spot"' in page
    assert "js/show_when.js" in page and "<script>" not in page
    r = web.get("/static/js/show_when.js")
    assert r.status_code == 200 and b"data-show-when" in r.data


def test_step_2_case_so_far_shows_what_happened_and_the_customer_email(web: Any, mini: Any) -> None:
    """Domain §6 step 2 (first contact): the handler reads the story and can write to the customer."""
    case = register()
    web.login("supervisor")
    page = web.text(f"/cases/{case.number}")
    so_far = page[page.index('data-testid="case-so-far"'):]
    assert 'data-testid="so-far-description">Rude staff at reception' in so_far
    assert "li.lei@example.test" in so_far[:so_far.index("</section>")]


def test_staff_read_a_process_error_explained_admins_also_get_the_technical_text(web: Any, mini: Any) -> None:
    """Staff get the translated explanation of a stopped case, not the expression error; admins keep the detail."""
    from webapp.models import Event, HumanTask, Instance

    case = register()
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).first()
    instance = db.session.get(Instance, case.instance_id)
    technical = "Error evaluating expression '1 // len(department or \"\")'"
    instance.status, instance.error = "error", {"message": technical, "element": "gw"}
    db.session.add(Event(case_id=case.id, instance_id=instance.id, actor="agent", kind="error",
                         data={"message": technical, "element": "gw"}))
    db.session.commit()
    web.login("supervisor")
    web.post("/language", {"language": "zh", "next": "/"})
    for url in (f"/tasks/{task.id}/done", f"/cases/{case.number}"):
        page = web.text(url)
        assert "Error evaluating" not in page and "流程中的一条规则无法根据本案件的数据得出结果" in page, url
    web.login("admin")
    assert "Error evaluating expression" in web.text(f"/tasks/{task.id}/done")
    assert "Error evaluating expression" in web.text(f"/admin/instances/{instance.id}")


def test_T5_public_status_shows_the_promised_reply_and_the_solution_proposed_only(web: Any, pack: Any) -> None:
    """T5 (a reply time promised must be kept) and 'every customer is told' the solution: the status page shows
    the promised reply time (the clock staff see) and, once proposed, the solution as mailed — nothing internal."""
    from webapp.models import Outbox

    clock.freeze(datetime(2026, 12, 4, 19, 25, tzinfo=UTC))  # Saturday 03:25 in Shanghai
    try:
        case = register()
    finally:
        clock.reset()
    page = web.post("/public/status", {"number": case.number, "phone": "13800000001"}).get_data(as_text=True)
    assert "We will reply by" in page and "Dec 7" in page and "18:00" in page
    assert 'data-testid="public-solution"' not in page
    db.session.add_all([
        Outbox(channel="email", recipient="customer", template="solution", case_id=case.id,
               payload={"solution": "Free inspection and repair.", "solution_type": "inspection"},
               idempotency_key="walk-solution"),
        Outbox(channel="in_app", recipient="group:tier_1_handler", template="solution_agreed", case_id=case.id,
               payload={"solution": "internal: bottom line 500 CNY"}, idempotency_key="walk-internal")])
    db.session.commit()
    web.post("/language", {"language": "zh", "next": "/"})
    page = web.post("/public/status", {"number": case.number, "phone": "13800000001"}).get_data(as_text=True)
    assert "我们的解决方案" in page and "Free inspection and repair." in page and "bottom line" not in page
