"""Admin pages speak words, not codes: the repair result, the migration dry run, the error's times."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.admin.conftest import errored_case
from tests.admin.test_migrate_jobs import cases, mini_v2
from tests.web.conftest import Web


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    return Web(app.test_client())


def test_the_retry_banner_says_the_outcome_and_the_status_in_words(mini, web, frozen):
    case = errored_case()
    web.login("admin")
    html = web.text(f"/admin/instances/{case.instance_id}")
    # T0 is 2026-03-02 09:00 UTC: shown in the reader's zone (Asia/Shanghai) like every other time
    assert re.search(r'data-testid="error-times">today 17:00 / today 17:00<', html), html
    assert "+00:00" not in html.split('data-testid="error-times"')[1][:80]
    web.post("/language", {"language": "zh", "next": "/"})
    web.post(f"/admin/instances/{case.instance_id}/do/retry", {"reason": "mail relay fixed"})
    html = web.text(f"/admin/instances/{case.instance_id}")
    flashes = re.search(r'class="flashes".*?</(div|ul|section)>', html, re.S)
    assert flashes and "重试：已完成；实例现在：完成。" in flashes[0] and "retried" not in flashes[0], html


def test_the_migration_dry_run_shows_task_states_and_status_in_words(mini, web, frozen):
    [iid] = cases(1)
    mini_v2()
    web.login("admin")
    web.get(f"/admin/instances/{iid}")
    html = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "dry"}).get_data(as_text=True)
    assert 'data-testid="instance-status">Waiting for staff<' in html
    assert ">ready: waits for a person<" in html and ">READY<" not in html
    web.post("/language", {"language": "zh", "next": "/"})
    html = web.post(f"/admin/instances/{iid}/migrate", {"to_version": "2", "step": "dry"}).get_data(as_text=True)
    assert ">就绪：等待人员处理<" in html and 'data-testid="instance-status">等待人员处理<' in html
