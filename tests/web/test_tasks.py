"""Task page: the form from the schema, validation round trip, drafts, completion, double completion, access."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.helpers import register
from webapp.extensions import db
from webapp.models import HumanTask


def _task(case: Any, title: str = "Find the facts") -> HumanTask:
    db.session.expire_all()
    return db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.title == title,
                                                      HumanTask.state == "open")).one()


def test_task_page_shows_case_summary_and_the_form(web: Any, mini: Any) -> None:
    case = register()
    web.login("handler1")
    page = web.text(f"/tasks/{_task(case).id}")
    assert 'data-testid="case-so-far"' in page and "Li Lei" in page and "Rude staff at reception" in page
    assert 'name="cause"' in page and 'class="required"' in page and 'name="media_mentioned"' in page
    assert "G4" in page and "tier 1" in page


def test_invalid_input_comes_back_with_values_kept_and_an_error_next_to_the_field(web: Any, mini: Any) -> None:
    case = register()
    task = _task(case)
    web.login("handler1")
    web.get(f"/tasks/{task.id}")
    r = web.post(f"/tasks/{task.id}", {"action": "complete", "cause": "   ", "media_mentioned": "true"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert re.search(r'name="cause" aria-invalid="true"', page)
    assert '<p class="field-error" id="cause-error" data-error-for="cause">this field is required</p>' in page
    assert 'name="media_mentioned" value="true" checked' in page, "the ticked box stays ticked"
    assert _task(case).state == "open"


def test_a_number_that_is_not_a_number_is_kept_as_typed(web: Any, mini: Any) -> None:
    case = register()
    web.login("handler1")
    web.post(f"/tasks/{_task(case).id}", {"action": "complete", "cause": "tired staff"})
    solution = _task(case, "Agree the solution")
    web.get(f"/tasks/{solution.id}")
    r = web.post(f"/tasks/{solution.id}", {"action": "complete", "solution_type": "compensation",
                                           "compensation_amount": "12,5x"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'value="12,5x"' in page and "enter a number" in page
    assert '<option value="compensation" selected>' in page
    r = web.post(f"/tasks/{solution.id}", {"action": "complete", "solution_type": "compensation",
                                           "compensation_amount": "-3"})
    assert r.status_code == 422 and "minimum" in r.get_data(as_text=True)
    r = web.post(f"/tasks/{solution.id}", {"action": "complete", "solution_type": "compensation",
                                           "compensation_amount": "12.5"})
    assert r.status_code == 302
    db.session.expire_all()
    done = db.session.get(HumanTask, solution.id)
    assert done.state == "completed" and done.completed_by == "handler1"


def test_save_draft_claims_the_task_and_comes_back(web: Any, mini: Any) -> None:
    case = register()
    task = _task(case)
    web.login("handler1")
    web.get(f"/tasks/{task.id}")
    r = web.post(f"/tasks/{task.id}", {"action": "draft", "cause": "half-written cause"})
    assert r.status_code == 302
    page = web.text(f"/tasks/{task.id}")
    assert "Draft saved" in page and "half-written cause</textarea>" in page
    fresh = _task(case)
    assert fresh.assignee == "handler1" and fresh.draft == {"cause": "half-written cause", "media_mentioned": False}
    assert fresh.state == "open"


def test_complete_shows_what_happened_next(web: Any, mini: Any) -> None:
    case = register()
    task = _task(case)
    web.login("handler1")
    web.get(f"/tasks/{task.id}")
    r = web.post(f"/tasks/{task.id}", {"action": "complete", "cause": "tired staff"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/tasks/{task.id}/done")
    page = web.text(r.headers["Location"])
    assert "“Find the facts” is complete." in page
    assert "Agree the solution" in page and "in the queue of Tier-1 handlers" in page


def test_double_completion_says_who_completed_it_and_shows_the_next_step(web_factory: Any, mini: Any) -> None:
    case = register()
    task = _task(case)
    first, second = web_factory().login("handler1"), web_factory().login("handler1b")
    first.get(f"/tasks/{task.id}")
    second.get(f"/tasks/{task.id}")  # both have the form open
    assert first.post(f"/tasks/{task.id}", {"action": "complete", "cause": "first"}).status_code == 302
    r = second.post(f"/tasks/{task.id}", {"action": "complete", "cause": "second"})
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "This task was already completed by handler1 at" in page
    assert "Agree the solution" in page and 'data-testid="already-completed"' in page
    assert "Traceback" not in page
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).completed_by == "handler1"


def test_complete_without_csrf_token_is_rejected(web: Any, mini: Any) -> None:
    case = register()
    task = _task(case)
    web.login("handler1")
    r = web.post(f"/tasks/{task.id}", {"action": "complete", "cause": "x"}, csrf=False)
    assert r.status_code == 400
    assert _task(case).state == "open"


def test_other_groups_cannot_see_or_complete_the_task(web: Any, mini: Any) -> None:
    case = register()
    task = _task(case)
    web.login("handler2")
    r = web.get(f"/tasks/{task.id}")
    assert r.status_code == 403 and "Tier-1 handlers" in r.get_data(as_text=True)
    web.get("/")
    assert web.post(f"/tasks/{task.id}", {"action": "complete", "cause": "x"}).status_code == 403
    assert _task(case).state == "open"


def test_a_task_claimed_by_a_colleague_is_read_only(web_factory: Any, mini: Any) -> None:
    case = register()
    task = _task(case)
    owner, colleague = web_factory().login("handler1"), web_factory().login("handler1b")
    owner.post(f"/tasks/{task.id}/claim", {"next": "/"})
    page = colleague.text(f"/tasks/{task.id}")
    assert "only handler1 can work on it" in page and 'data-testid="complete"' not in page
    r = colleague.post(f"/tasks/{task.id}", {"action": "complete", "cause": "x"})
    assert r.status_code == 403 and "claimed by handler1" in r.get_data(as_text=True)


def test_unknown_task_is_404(web: Any, mini: Any) -> None:
    web.login("handler1")
    assert web.get("/tasks/99999").status_code == 404


def _fact_finding_form(**changes: str) -> dict[str, str]:
    """The pack's step-2 form (fact_finding.json) as the task page posts it."""
    return {"action": "complete", "demand_confirmed": "An apology", "urgency": "normal",
            "promised_reply_at": "2026-03-03T12:00", "contact_agreed": "phone", "facts.media_exposure": "none",
            "facts.lawsuit": "none", "facts.households": "1", **changes}


@pytest.mark.parametrize("value, zone", [
    ("9999-12-31T23:59", "America/New_York"), ("9999-12-31T23:59-12:00", "UTC"),
    ("0001-01-01T00:00", "Asia/Shanghai"), ("0001-01-01T00:00+14:00", "UTC"),
    ("9999-12-31T23:59+00:00", "Asia/Shanghai"),
])
def test_a_date_time_at_the_ends_of_the_calendar_is_refused_next_to_the_field_not_a_500(
        web: Any, api: Any, pack: Any, value: str, zone: str) -> None:
    """A promised reply at 9999-12-31T23:59 (typed in New York, or with -12:00) started a deadline clock past the
    last date Python has (a 500 on completing), and a draft or value at year 1 or 9999 made the task page and the
    case page overflow converting it to the user's zone (a 500 on showing). Date-times from 1900 to 2999 are
    accepted; others are refused at the field, in the web form and the API alike, and a draft keeps what was typed."""
    from tests.helpers import GRIEVANCE, complete, user
    from tests.process import answers as a

    case = register(dict(GRIEVANCE))
    complete(case, "Pre-judgement (step 1)", a.prejudgement(), "handler1")
    task = _task(case, "Fact finding with the customer (step 2)")
    user("handler1").timezone = zone
    db.session.commit()
    web.login("handler1")
    web.get(f"/tasks/{task.id}")
    for field in ("promised_reply_at", "incident_time"):
        assert web.post(f"/tasks/{task.id}", _fact_finding_form(**{field: value}, action="draft")).status_code == 302
        page = web.text(f"/tasks/{task.id}")
        assert f'value="{value[:16]}"' in page, "the draft shows what was typed"
        assert web.text(f"/cases/{case.number}")
        r = web.post(f"/tasks/{task.id}", _fact_finding_form(**{field: value}))
        assert r.status_code == 422, (field, r.status_code)
        assert "enter a date from 1900-01-01 to 2999-12-31" in r.get_data(as_text=True)
        assert _task(case, "Fact finding with the customer (step 2)").id == task.id, "nothing was completed"
    refused = api.as_("handler1").post(f"/api/v1/tasks/{task.id}/complete", json={"data": a.fact_finding(
        promised_reply_at="9999-12-31T23:59:00-12:00")})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["promised_reply_at"] == "must lie between 1900-01-01 and 2999-12-31"
    web.post("/language", {"language": "zh", "next": "/"})
    web.get(f"/tasks/{task.id}")
    r = web.post(f"/tasks/{task.id}", _fact_finding_form(promised_reply_at=value))
    assert r.status_code == 422 and "请填写 1900-01-01 至 2999-12-31 之间的日期" in r.get_data(as_text=True)
    ok = web.post(f"/tasks/{task.id}", _fact_finding_form(promised_reply_at="2999-12-31T12:00",
                                                         incident_time="1900-01-01T12:00"))
    assert ok.status_code == 302, ok.get_data(as_text=True)[-2000:]
