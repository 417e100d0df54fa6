"""Admin console pages (no JavaScript): lists, instance page, actions with reasons, data diff, bulk, audit."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.admin.conftest import errored_case, fresh
from tests.fixtures import handlers as fixture_handlers
from tests.helpers import open_task, register
from tests.web.conftest import Web
from webapp.admin.models import AuditEntry
from webapp.extensions import db
from webapp.models import Outbox


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A browser-like client (CSRF, session cookie)."""
    return Web(app.test_client())


def test_admin_pages_are_forbidden_to_other_staff(mini, web):
    case = errored_case()
    web.login("supervisor")
    for url in ("/admin/", "/admin/instances", f"/admin/instances/{case.instance_id}", "/admin/audit",
                "/admin/audit.csv", f"/admin/instances/{case.instance_id}/data",
                f"/admin/instances/{case.instance_id}/diagram.bpmn"):
        assert web.get(url).status_code == 403, url
    web.get("/")
    r = web.post(f"/admin/instances/{case.instance_id}/do/retry", {"reason": "let me try"})
    assert r.status_code == 403
    r = web.post("/admin/bulk", {"action": "retry", "reason": "let me", "ids": str(case.instance_id)})
    assert r.status_code == 403
    assert fresh(case.instance_id).status == "error"
    assert web.client.get("/admin/instances").status_code in (302, 403)


def test_stuck_list_shows_counts_reasons_and_pages(mini, web):
    broken = errored_case()
    for _ in range(3):
        register()
    web.login("admin")
    html = web.text("/admin/instances?stuck=1")
    assert 'data-testid="count-error"' in html and re.search(r'count-stuck">\s*<span class="n">1<', html)
    assert f'data-instance="{broken.instance_id}"' in html
    assert "mail server refused the connection" in html and broken.number in html
    page = web.text("/admin/instances?status=user_input&limit=2")
    assert page.count("data-instance=") == 2 and 'rel="next"' in page
    older = re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    assert web.text(older).count("data-instance=") == 1
    assert web.get("/admin/instances?status=bogus").status_code == 422


def test_instance_page_shows_diagram_data_error_case_and_only_valid_actions(mini, web):
    case = errored_case()
    web.login("admin")
    html = web.text(f"/admin/instances/{case.instance_id}")
    trace = json.loads(re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', html, re.S)[1])
    assert trace["errored"] == ["notify_closed"] and "fact_finding" in trace["completed"]
    assert trace["flows"] == ["f1", "f2", "f3", "f4", "f5"]
    assert "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in html
    assert 'data-testid="error-detail"' in html and "ConnectionError" in html and "Tell the customer" in html
    assert case.number in html and "Li Lei" in html
    for offered in ("retry", "skip", "suspend", "terminate", "reassign", "reset"):
        assert f'data-testid="do-{offered}"' in html, offered
    for not_offered in ("resume", "redeliver"):
        assert f'data-testid="do-{not_offered}"' not in html, not_offered
    assert "Fire now" not in html and "Re-deliver" not in html  # no waiting timer, no failed message
    assert "task_completed" in html and "admin_" not in html
    filtered = web.text(f"/admin/instances/{case.instance_id}?kind=error")
    assert filtered.count('class="ev-error"') == 1 and 'class="ev-task_completed"' not in filtered
    xml = web.get(f"/admin/instances/{case.instance_id}/diagram.bpmn").get_data(as_text=True)
    assert "BPMNShape" in xml and 'bpmnElement="notify_closed"' in xml


def test_retry_from_the_page_needs_a_reason_and_then_completes_the_case(mini, web):
    case = errored_case()
    web.login("admin")
    web.get(f"/admin/instances/{case.instance_id}")
    r = web.post(f"/admin/instances/{case.instance_id}/do/retry", {"reason": ""})
    assert r.status_code == 422 and "say why" in r.get_data(as_text=True)
    fixture_handlers.FAIL["notify"] = True
    r = web.post(f"/admin/instances/{case.instance_id}/do/retry", {"reason": "try before the fix"})
    assert r.status_code == 303
    assert "still failing" in web.text(f"/admin/instances/{case.instance_id}")
    fixture_handlers.FAIL["notify"] = False
    r = web.post(f"/admin/instances/{case.instance_id}/do/retry", {"reason": "mail relay fixed"})
    assert r.status_code == 303 and fresh(case.instance_id).status == "complete"
    html = web.text(f"/admin/instances/{case.instance_id}")
    assert 'data-testid="instance-status">Complete<' in html and "Retry: done; the instance is now: Complete." in html
    r = web.post(f"/admin/instances/{case.instance_id}/do/retry", {"reason": "again"})
    assert r.status_code == 409 and "only an instance stopped on an error can be retried" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.case_id == case.id)) == 1


def test_edit_data_shows_the_diff_before_saving(mini, web):
    case = errored_case()
    web.login("admin")
    html = web.text(f"/admin/instances/{case.instance_id}/data")
    text = re.search(r'<textarea id="data" name="data"[^>]*>(.*?)</textarea>', html, re.S)[1]
    data = json.loads(text.replace("&#34;", '"').replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&"))
    data["solution_type"] = "rework"
    r = web.post(f"/admin/instances/{case.instance_id}/data", {"step": "preview", "data": json.dumps(data)})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-testid="diff"' in page and "rework" in page and "apology" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0  # nothing saved by a preview
    lock = re.search(r'name="lock_version" value="(\d+)"', page)[1]
    r = web.post(f"/admin/instances/{case.instance_id}/data", {"step": "save", "data": json.dumps(data),
                                                               "lock_version": lock, "reason": "customer chose rework"})
    assert r.status_code == 303
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.before["data"] == {"solution_type": "apology"} and entry.after["data"] == {"solution_type": "rework"}
    r = web.post(f"/admin/instances/{case.instance_id}/data", {"step": "preview", "data": "{not json"})
    assert r.status_code == 422 and "not valid JSON" in r.get_data(as_text=True)


def test_bulk_form_without_javascript_lists_a_result_per_instance(mini, web):
    broken = [errored_case(name=f"C{n}", email=f"c{n}@example.test", phone=f"1370000000{n}") for n in range(2)]
    healthy = register()
    web.login("admin")
    web.get("/admin/instances")
    body = {"action": "retry", "reason": "mail fixed", "scope": "selected"}
    ids = [broken[0].instance_id, healthy.instance_id, broken[1].instance_id]
    with web._fresh():
        r = web.client.post("/admin/bulk", data={**body, "csrf_token": web.token, "ids": [str(i) for i in ids]})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "2 done, 0 still failing, 1 refused" in html
    assert html.count('class="result-ok"') == 2 and html.count('class="result-refused"') == 1
    r = web.post("/admin/bulk", {"action": "suspend", "reason": "maintenance", "scope": "filter",
                                 "f_status": "user_input"})
    assert "1 done" in r.get_data(as_text=True) and fresh(healthy.instance_id).status == "suspended"


def test_bulk_json_endpoint_used_by_the_progress_display(mini, web):
    broken = errored_case()
    web.login("admin")
    web.get("/admin/instances")
    ids = web.get("/admin/bulk/ids?rule=error").get_json()["ids"]
    assert ids == [broken.instance_id]
    with web._fresh():
        r = web.client.post("/admin/bulk/terminate.json", json={"ids": ids, "reason": "duplicates"},
                            headers={"X-CSRFToken": web.token})
    assert r.get_json()["counts"] == {"ok": 1, "failed": 0, "refused": 0}
    with web._fresh():
        r = web.client.post("/admin/bulk/terminate.json", json={"ids": ids, "reason": "duplicates"})
    assert r.status_code == 400  # no CSRF token: refused


def test_reassign_and_terminate_from_the_page_and_the_audit_page(mini, web):
    case = register()
    task = open_task(case)
    web.login("admin")
    web.get(f"/admin/instances/{case.instance_id}")
    r = web.post(f"/admin/instances/{case.instance_id}/do/reassign",
                 {"task_id": str(task.id), "username": "handler1b", "reason": "handler1 on leave"})
    assert r.status_code == 303
    r = web.post(f"/admin/instances/{case.instance_id}/do/terminate", {"reason": "customer withdrew"})
    assert r.status_code == 303
    html = web.text("/admin/audit")
    assert "handler1 on leave" in html and "customer withdrew" in html
    assert "terminated by admin: customer withdrew" in web.text(f"/admin/instances/{case.instance_id}")
    rows = list(csv.DictReader(io.StringIO(web.get("/admin/audit.csv?action=terminate").get_data(as_text=True))))
    assert [(r["action"], r["actor"], r["reason"]) for r in rows] == [("terminate", "admin", "customer withdrew")]


def test_waiting_timer_and_current_task_are_marked_and_the_token_moves_back_from_the_page(mini, web):
    case = register()
    web.login("admin")
    html = web.text(f"/admin/instances/{case.instance_id}")
    trace = json.loads(re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', html, re.S)[1])
    marks = {"completed": ["start", "grade_task", "record_grade"], "current": ["fact_finding"],
             "waiting": ["late"], "errored": [], "flows": ["f1", "f2", "f3"]}
    assert {k: trace[k] for k in marks} == marks
    assert (trace["top"], trace["calls"]) == ("complaint", {})  # no call activity: one diagram
    assert trace["processes"] == {"complaint": marks | {"errored_inside": []}}
    assert "Fire now" in html and 'data-testid="do-reset"' not in html  # nothing completed by a person yet
    from tests.helpers import complete

    complete(case, "Find the facts", {"cause": "busy"}, "handler1")
    html = web.text(f"/admin/instances/{case.instance_id}")
    point = re.search(r'<option value="([0-9a-f-]{36})">Find the facts — undoes', html)
    assert point is None  # undoes nothing yet: listed without the "undoes" note
    task_id = re.search(r'<option value="([0-9a-f-]{36})">Find the facts</option>', html)[1]
    r = web.post(f"/admin/instances/{case.instance_id}/do/reset", {"task_id": task_id, "reason": "wrong cause"})
    assert r.status_code == 303
    assert open_task(case).title == "Find the facts"
    assert "token moved back to &#39;Find the facts&#39;" in web.text(f"/admin/instances/{case.instance_id}")


@pytest.mark.parametrize("query", ["older_than_days=999999", "older_than_days=2147483647", "idle_hours=-1e9"])
def test_an_age_filter_beyond_the_calendar_is_refused_in_words_not_a_500(mini: Any, web: Web, query: str) -> None:
    """`older_than_days=999999` counted back from now past year 1 (Python's dates overflowed: a 500); an age filter is
    bounded by the span of days a person may name (1900..2999) and a larger one is a 422 saying the bound."""
    web.login("admin")
    r = web.get(f"/admin/instances?{query}")
    assert r.status_code == 422
    assert re.search(r"must be between -\d+ and \d+", r.get_data(as_text=True))
    assert web.get("/admin/instances?older_than_days=36500&idle_hours=0.5").status_code == 200
