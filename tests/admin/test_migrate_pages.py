"""The Migrate action of the admin console (issue 12 item 5): dry run first, then a reason; 409 refusals shown;
from the instance list, a dry run over the selection, then a background job."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.admin.conftest import fresh
from tests.admin.test_migrate_jobs import cases, mini_v2
from tests.web.conftest import Web
from webapp.admin import jobs
from webapp.admin.models import AuditEntry
from webapp.extensions import db
from webapp.models import Event


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A browser-like client (CSRF, session cookie)."""
    return Web(app.test_client())


def test_the_instance_page_offers_migrate_only_when_there_is_another_version(mini, web, frozen):
    [iid] = cases(1)
    web.login("admin")
    assert 'data-testid="migrate"' not in web.text(f"/admin/instances/{iid}")
    mini_v2()
    page = web.text(f"/admin/instances/{iid}")
    assert 'data-testid="migrate"' in page and '<option value="2" selected>2</option>' in page


def test_dry_run_shows_what_changes_and_the_move_needs_a_reason(mini, web, frozen):
    [iid] = cases(1)
    mini_v2()
    web.login("admin")
    web.get(f"/admin/instances/{iid}")
    r = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "dry"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html
    assert "Find the facts" in html and "kept" in html and 'data-testid="do-migrate"' in html
    # due 4 h after registration before, 6 h after the move (shown in the user's zone, Asia/Shanghai)
    assert re.search(r"today 21:00</td>\s*<td class=\"changed\">today 23:00", html)
    assert fresh(iid).definition.version == 1  # a dry run changes nothing
    assert db.session.scalars(select(AuditEntry)).all() == []

    r = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "go", "reason": ""})
    assert r.status_code == 422 and "say why" in r.get_data(as_text=True)
    r = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "go", "reason": "late timer 6 h"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/admin/instances/{iid}")
    assert fresh(iid).definition.version == 2
    assert "Migrated from version 1 to 2." in web.text(f"/admin/instances/{iid}")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "migrate")).one()
    assert (entry.actor, entry.reason, entry.instance_id) == ("admin", "late timer 6 h", iid)
    assert db.session.scalars(select(Event).where(Event.instance_id == iid, Event.kind == "instance_migrated")).one()


def test_a_waiting_task_the_new_version_lacks_is_refused_with_409_and_a_clear_message(mini, web, frozen):
    [iid] = cases(1)
    mini_v2(drop_fact_finding=True)
    web.login("admin")
    web.get(f"/admin/instances/{iid}")
    r = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "dry"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "version 2 has no &#39;fact_finding&#39; (Find the facts)" in html and "removed" in html
    assert 'data-testid="do-migrate"' not in html
    r = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "go", "reason": "try anyway"})
    assert r.status_code == 409 and "has no" in r.get_data(as_text=True)
    assert fresh(iid).definition.version == 1
    r = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "9", "step": "dry"})
    assert r.status_code == 404 and "has no version 9" in r.get_data(as_text=True)
    r = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "x", "step": "dry"})
    assert r.status_code == 422 and "give the version" in r.get_data(as_text=True)


def test_only_admins_migrate_and_the_form_needs_csrf(mini, web, frozen):
    [iid] = cases(1)
    mini_v2()
    web.login("supervisor")
    assert web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "dry"}).status_code == 403
    assert web.post("/admin/migrate", {"scope": "selected", "ids": [str(iid)]}).status_code == 403
    web.login("admin")
    r = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "go", "reason": "no token"},
                 csrf=False)
    assert r.status_code == 400 and fresh(iid).definition.version == 1


def test_bulk_migrate_from_the_list_dry_runs_the_selection_then_queues_a_job(mini, web, frozen):
    ids = cases(3)
    mini_v2()
    web.login("admin")
    assert 'data-testid="migrate-filter"' in web.text("/admin/instances")
    form = {"scope": "filter", "f_process": "complaint", "f_version": "1"}
    r = web.post("/admin/migrate", form)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "3 instances of complaint" in html and "version 1: 3 running" in html
    r = web.post("/admin/migrate", form | {"step": "dry", "to_version": "2"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Checked 3 of 3: 3 can be moved, 0 refused." in html
    assert {fresh(i).definition.version for i in ids} == {1}
    r = web.post("/admin/migrate", form | {"step": "queue", "to_version": "2", "reason": ""})
    assert r.status_code == 422 and "say why" in r.get_data(as_text=True)
    r = web.post("/admin/migrate", form | {"step": "queue", "to_version": "2", "reason": "late timer 6 h"})
    assert r.status_code == 303
    job_url = r.headers["Location"]
    assert "To version 2" in web.text(job_url)
    while jobs.run_batch(db.session):
        pass
    assert "3 done, 0 still failing, 0 refused" in web.text(job_url)
    assert {fresh(i).definition.version for i in ids} == {2}


def test_bulk_migrate_of_checked_rows_reports_the_refused_ones(mini, web, frozen):
    ids = cases(2)
    mini_v2(drop_fact_finding=True)
    web.login("admin")
    web.get("/admin/instances")
    r = web.post("/admin/migrate", {"scope": "selected", "ids": [str(i) for i in ids], "step": "dry",
                                    "to_version": "2"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Checked 2 of 2: 0 can be moved, 2 refused." in html
    assert 'data-testid="nothing-to-move"' in html and 'data-testid="migrate-queue"' not in html
    r = web.post("/admin/migrate", {"scope": "selected", "ids": []})
    assert r.status_code == 422 and "select at least one instance" in r.get_data(as_text=True)


def test_the_migrate_pages_speak_chinese(mini, web, frozen):
    [iid] = cases(1)
    mini_v2()
    web.login("admin")
    web.post("/language", {"language": "zh", "next": "/"})
    assert "迁移" in web.text(f"/admin/instances/{iid}")
    html = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "dry"}).get_data(as_text=True)
    assert "试运行" in html and "保留" in html


def test_migrating_an_unknown_instance_is_a_404(mini, web):
    web.login("admin")
    web.get("/admin/instances")
    assert web.post("/admin/instances/424242/migrate", {"to_version": "2", "step": "dry"}).status_code == 404
