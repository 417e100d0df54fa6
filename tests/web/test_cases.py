"""Register case (R1, R2), case page and timeline, search, comments and attachments."""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import select

from tests.helpers import GRIEVANCE, complete, register
from webapp.extensions import db
from webapp.models import Case, Event

FORM = {"customer.name": "Zhang Wei", "customer.phone": "13700000007", "customer.email": "zw@example.test",
        "channel": "phone", "kind": "grievance", "category": "staff_attitude", "subject": "Service point 3",
        "description": "The receptionist shouted at me", "demand": "An apology", "facts.households": "1"}


def test_any_staff_member_registers_a_case_and_sees_number_grade_tier_and_who_has_it(web: Any, mini: Any) -> None:
    web.login("outsider")  # sales: not customer service, still bound by first-contact duty (R2)
    web.get("/cases/new")
    r = web.post("/cases/new", FORM)
    assert r.status_code == 302
    case = db.session.scalars(select(Case)).one()
    assert case.registered_by == "outsider" and case.customer_name == "Zhang Wei" and case.channel == "phone"
    page = web.text(r.headers["Location"])
    assert f"Registered as {case.number}." in page
    assert 'class="badge G4"' in page and "tier 1" in page
    assert "Find the facts — in the queue of Tier-1 handlers" in page


def test_register_validation_keeps_the_values(web: Any, mini: Any) -> None:
    web.login("agent")
    web.get("/cases/new")
    bad = {**FORM, "customer.name": "", "customer.email": "not-an-email", "facts.households": "many"}
    r = web.post("/cases/new", bad)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'data-error-for="customer.name">this field is required' in page
    assert 'data-error-for="customer.email"' in page and 'data-error-for="facts.households"' in page
    assert "The receptionist shouted at me</textarea>" in page and 'value="not-an-email"' in page
    assert 'value="many"' in page
    assert db.session.scalars(select(Case)).first() is None


def test_solved_on_the_spot_needs_the_solution_and_passes_it_to_the_process(web: Any, mini: Any) -> None:
    web.login("agent")
    web.get("/cases/new")
    r = web.post("/cases/new", {**FORM, "solved_on_the_spot": "true"})
    assert r.status_code == 422 and "Say how it was solved." in r.get_data(as_text=True)
    r = web.post("/cases/new", {**FORM, "solved_on_the_spot": "true", "solution_on_the_spot": "Apologised"})
    assert r.status_code == 302
    case = db.session.scalars(select(Case)).one()
    started = db.session.scalars(select(Event).where(Event.case_id == case.id,
                                                     Event.kind == "instance_started")).one()
    assert started is not None
    from webapp.models import Instance
    from webapp.workflow.definitions import bundle_for
    from webapp.workflow.transitions import _engine

    instance = db.session.get(Instance, case.instance_id)
    data = _engine.task_data(bundle_for(instance.definition), instance.state, _open_task_id(case))
    assert data["solved_on_the_spot"] is True and data["solution_on_the_spot"] == "Apologised"


def _open_task_id(case: Case) -> str:
    from webapp.cases import service as cases

    return cases.open_tasks(db.session, case)[0].task_id


def test_case_page_timeline_shows_every_step_readably(web: Any, mini: Any) -> None:
    case = register()
    complete(case, "Find the facts", {"cause": "tired staff", "media_mentioned": True}, "handler1")
    web.login("agent")
    page = web.text(f"/cases/{case.number}")
    timeline = page[page.index('data-testid="timeline"'):]
    for text in ("Case registered", "Registration and routing", "Task ready", "Graded", "Task completed",
                 "Find the facts, for Tier-1 handlers", "Agree the solution, for Tier-1 handlers", "done by handler1",
                 "<dt>Cause</dt><dd class=\"prewrap\">tired staff</dd>",
                 "<dt>Media mentioned</dt><dd class=\"prewrap\">yes</dd>"):
        assert text in timeline, text
    assert "Agree the solution" in page[page.index('data-testid="open-tasks"'):]
    # newest step first, comments and next actions above the timeline, no raw timestamps
    assert timeline.index("Agree the solution") < timeline.index("Find the facts") < timeline.index("Registration")
    assert page.index('data-testid="next-actions"') < page.index('id="comments"') < page.index('data-testid="timeline"')
    readable = re.sub(r'name="csrf_token" value="[^"]*"', "", timeline)  # a random token may contain "T0"
    assert "+00:00" not in readable and "T0" not in readable


def test_search_by_number_name_phone_and_filters(web: Any, mini: Any) -> None:
    a = register()
    b = register({**GRIEVANCE, "kind": "inquiry", "customer": {"name": "Han Meimei", "phone": "139-0000-0002"}})
    web.login("agent")
    r = web.get(f"/cases/?q={a.number.lower()}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/cases/{a.number}")
    assert b.number in web.text("/cases/?q=meimei") and a.number not in web.text("/cases/?q=meimei")
    assert b.number in web.text("/cases/?q=00000002")
    page = web.text("/cases/?kind=inquiry")
    assert b.number in page and a.number not in page
    assert a.number in web.text("/cases/?status=open&grade=G4&from=2000-01-01")
    assert "No case matches." in web.text("/cases/?to=2000-01-01")
    assert a.number in web.text("/cases/?mine=1"), "the registrar follows the cases they registered (R2)"
    web.login("handler1")
    assert "No case matches." in web.text("/cases/?mine=1")


def test_a_search_date_at_the_ends_of_the_calendar_is_refused_in_words_not_a_500(web: Any, mini: Any) -> None:
    """`to=9999-12-31` searched up to the day after it, which Python cannot represent (a 500). Days outside
    1900-01-01..2999-12-31 are now refused like a wrong date: said above the list, the filter left out."""
    a = register()
    web.login("agent")
    for query in ("to=9999-12-31", "from=0001-01-01", "from=9999-12-31", "to=0001-01-01"):
        r = web.get(f"/cases/?{query}")
        assert r.status_code == 200, query
        assert "A date from 1900-01-01 to 2999-12-31, please" in r.get_data(as_text=True), query
        assert a.number in r.get_data(as_text=True), query  # the refused filter is left out
    assert a.number in web.text("/cases/?from=1900-01-01&to=2999-12-31")
    web.post("/language", {"language": "zh", "next": "/"})
    assert "请填写 1900-01-01 至 2999-12-31 之间的日期" in web.text("/cases/?to=9999-12-31")


def test_comments_are_added_and_shown_on_the_timeline(web: Any, mini: Any) -> None:
    case = register()
    web.login("handler1")
    web.get(f"/cases/{case.number}")
    r = web.post(f"/cases/{case.number}/comments", {"body": "Called the shop manager, waiting for CCTV"})
    assert r.status_code == 302
    page = web.text(f"/cases/{case.number}")
    assert "Called the shop manager, waiting for CCTV" in page and 'data-kind="comment_added"' in page
    web.post(f"/cases/{case.number}/comments", {"body": "   "})
    assert "Comment not added" in web.text(f"/cases/{case.number}")


def test_attachments_limits_storage_and_staff_only_download(web: Any, mini: Any, app: Any, tmp_path: Any) -> None:
    case = register()
    web.login("agent")
    web.get(f"/cases/{case.number}")
    pdf = b"%PDF-1.4\n% receipt\n"
    r = web.post(f"/cases/{case.number}/attachments", {"file": (io.BytesIO(pdf), "receipt.pdf")},
                 content_type="multipart/form-data")
    assert r.status_code == 302
    page = web.text(f"/cases/{case.number}")
    assert "File attached." in page and "receipt.pdf" in page
    stored = list((tmp_path / "uploads").rglob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == pdf
    url = f"/cases/{case.number}/attachments/1"
    r = web.get(url)
    assert r.status_code == 200 and r.data == pdf
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    for name, body in (("run.exe", b"MZ..."), ("fake.pdf", b"<html>not a pdf</html>")):
        web.post(f"/cases/{case.number}/attachments", {"file": (io.BytesIO(body), name)},
                 content_type="multipart/form-data")
        assert "File not attached" in web.text(f"/cases/{case.number}")
    app.config["MAX_ATTACHMENT_BYTES"] = 1024
    web.post(f"/cases/{case.number}/attachments", {"file": (io.BytesIO(b"%PDF" + b"x" * 2000), "big.pdf")},
             content_type="multipart/form-data")
    assert "file too large" in web.text(f"/cases/{case.number}")
    assert len(list((tmp_path / "uploads").rglob("*.*"))) == 1, "refused files leave nothing on disk"
    anonymous = web.client.application.test_client()
    r = anonymous.get(url)
    assert r.status_code == 302 and "/login" in r.headers["Location"], "no download without signing in"


def test_unknown_case_is_404(web: Any, mini: Any) -> None:
    web.login("agent")
    assert web.get("/cases/CL-1999-000001").status_code == 404


def test_customer_text_is_escaped_everywhere(web: Any, mini: Any) -> None:
    evil = '<script>alert("x")</script>'
    case = register({**GRIEVANCE, "customer": {"name": evil, "phone": "13800000001"}, "description": evil})
    web.login("handler1")
    for url in (f"/cases/{case.number}", "/?tab=group", "/cases/?q=script"):
        page = web.text(url)
        assert evil not in page and "&lt;script&gt;" in page, url


def test_api_and_web_search_give_the_same_cases(web: Any, api: Any, mini: Any) -> None:
    """One case search (issue 11): the API's ?q= and filters answer as the web's case list does."""
    a = register()
    b = register({**GRIEVANCE, "kind": "inquiry", "customer": {"name": "Han Meimei", "phone": "139-0000-0002"}})
    c = register({**GRIEVANCE, "description": "Meimei's neighbour complained", "customer": {"name": "Wang Fang"}})
    web.login("agent")
    queries = ["q=meimei", "q=00000002", "q=139 0000 0002", "q=CL-", "kind=inquiry", "status=open",
               "status=closed", "grade=G4", "q=neighbour", f"q={a.number[:-2]}", ""]
    for query in queries:
        page = web.text(f"/cases/?{query}")
        from_web = re.findall(r"CL-\d{4}-\d{6}", page[page.index("<main"):])
        from_api = [row["number"] for row in api.get(f"/api/v1/cases?{query}").get_json()["items"]]
        assert list(dict.fromkeys(from_web)) == from_api, query
    assert [r["number"] for r in api.get("/api/v1/cases?q=139-0000-0002").get_json()["items"]] == [b.number]
    assert api.get("/api/v1/cases?q=neighbour").get_json()["items"] == [], "description is not searched"
    assert {r["number"] for r in api.get("/api/v1/cases").get_json()["items"]} == {a.number, b.number, c.number}


def test_real_estate_8_the_promised_reply_time_is_shown_in_the_staff_member_zone(web: Any, pack: Any) -> None:
    """Real-estate rules 八 / domain §6 step 2: the promised reply time is read by staff in their own zone, not UTC."""
    from tests.helpers import user
    from tests.process import answers as a

    case = register(dict(GRIEVANCE))
    complete(case, "Pre-judgement (step 1)", a.prejudgement(), "handler1")
    complete(case, "Fact finding with the customer (step 2)",
             a.fact_finding(promised_reply_at="2026-03-02T07:00:00+00:00"), "handler1")
    handler = user("handler1")
    handler.timezone = "Asia/Shanghai"
    db.session.commit()
    page = web.login("handler1").text(f"/cases/{case.number}")
    assert "2026-03-02 15:00" in page and "07:00:00+00:00" not in page
    handler.timezone = "Europe/Berlin"
    db.session.commit()
    assert "2026-03-02 08:00" in web.text(f"/cases/{case.number}")


def test_a_stored_time_at_the_ends_of_the_calendar_is_shown_as_stored_not_a_500(web: Any, pack: Any) -> None:
    """A step's answer kept from before date-times were bounded (0001-01-01T00:00+08:00 is before the first moment
    Python has in UTC, 9999-12-31T23:59-12:00 after the last in Shanghai) made the case page overflow converting it
    to the staff member's zone (a 500): such a value is shown as it was stored, the page with it."""
    from sqlalchemy.orm.attributes import flag_modified

    from tests.helpers import user
    from tests.process import answers as a

    case = register(dict(GRIEVANCE))
    complete(case, "Pre-judgement (step 1)", a.prejudgement(), "handler1")
    complete(case, "Fact finding with the customer (step 2)", a.fact_finding(), "handler1")
    done = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "task_completed")
                              .order_by(Event.id.desc())).first()
    assert done is not None and "promised_reply_at" in done.data["data"]
    done.data["data"].update(promised_reply_at="0001-01-01T00:00:00+08:00", incident_time="9999-12-31T23:59:00-12:00")
    flag_modified(done, "data")
    user("handler1").timezone = "Asia/Shanghai"
    db.session.commit()
    page = web.login("handler1").text(f"/cases/{case.number}")
    assert "Reply promised by</dt><dd class=\"prewrap\">0001-01-01 00:00+08:00</dd>" in page
    assert "When it happened</dt><dd class=\"prewrap\">9999-12-31 23:59-12:00</dd>" in page
