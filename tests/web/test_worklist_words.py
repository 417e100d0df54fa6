"""The worklist in the user's language: task names inside the claim/release/reassign messages, and the Process
filter as a list of the deployed processes by their translated names."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select

from tests.conftest import USERS
from tests.helpers import GRIEVANCE, open_task, register
from webapp.extensions import db
from webapp.models import HumanTask


def _worker_of(group: str) -> str:
    return next(name for name, groups, _ in USERS if group in groups)


def _flash(page: str) -> str:
    found = re.search(r'<div class="flash flash-success" role="status">(.*?)</div>', page, re.S)
    assert found, page[:2000]
    return html.unescape(found.group(1))


def test_claim_and_release_messages_name_the_task_in_the_users_language(web: Any, pack: Any) -> None:
    case = register(GRIEVANCE)
    task = open_task(case)
    web.login(_worker_of(str(task.group_key)))
    web.post("/language", {"language": "zh", "next": "/"})
    r = web.post(f"/tasks/{task.id}/claim", {"next": "/?tab=mine"})
    assert r.status_code in (302, 303)
    claimed = _flash(web.text(r.headers["Location"]))
    page = web.text(f"/tasks/{task.id}")
    title = html.unescape(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)).strip()  # as the task page names it
    assert title != task.title and f"“{title}”" in claimed and task.title not in claimed
    r = web.post(f"/tasks/{task.id}/unclaim", {"next": "/?tab=group"})
    released = _flash(web.text(r.headers["Location"]))
    assert f"“{title}”" in released and task.title not in released


def test_the_process_filter_lists_the_deployed_processes_by_name(web: Any, pack: Any) -> None:
    register(GRIEVANCE)
    register({**GRIEVANCE, "kind": "inquiry"})
    keys = {k for (k,) in db.session.execute(select(HumanTask.process_key).where(HumanTask.state == "open"))}
    assert len(keys) == 2, keys
    web.login("supervisor")
    page = web.text("/?tab=team")
    options = dict(re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>',
                              page.split('data-testid="filter-process"')[1].split("</select>")[0]))
    assert options["complaint"] == "Complaint intake" and options["inquiry"] == "Inquiry (T1)"
    key = sorted(keys)[0]
    filtered = web.text(f"/?tab=team&process={key}")
    shown = set(re.findall(r'<tr data-task="(\d+)"', filtered))
    expected = {str(i) for (i,) in db.session.execute(select(HumanTask.id).where(
        HumanTask.state == "open", HumanTask.process_key == key))}
    assert shown == expected and f'<option value="{key}" selected>' in filtered
    web.post("/language", {"language": "zh", "next": "/"})
    zh = web.text("/?tab=team")
    assert '<option value="complaint">投诉受理</option>' in zh
