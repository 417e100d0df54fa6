"""Task page: the form from the schema, validation round trip, drafts, completion, double completion, access."""

from __future__ import annotations

import re
from typing import Any

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
