"""The admin instance page speaks words, not codes (event kinds, states, element ids, data keys), in English and in
Chinese, and keeps each code at hand as secondary text or a tooltip for the repair work."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask

from tests.helpers import GRIEVANCE, register
from tests.web.conftest import Web


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A browser-like client (CSRF, session cookie)."""
    return Web(app.test_client())


def _row(page: str, key: str) -> str:
    found = re.search(rf'<tr data-key="{key}">(.*?)</tr>', page, re.S)
    assert found, key
    return html.unescape(re.sub(r"\s+", " ", found.group(1)))


def test_the_instance_page_shows_data_and_events_in_words_with_the_codes_beside(app, pack, web: Web):
    case = register(GRIEVANCE)
    web.login("admin")
    page = web.text(f"/admin/instances/{case.instance_id}")
    assert 'title="complaint" data-testid="process-name">Complaint intake<' in page  # process name, key as tooltip
    group = _row(page, "handler_group")
    assert "Handler group" in group and "<code" in group and ">handler_group<" in group
    assert "Tier-1 handlers" in group and '"tier_1_handler"' in group  # the word, the stored value as tooltip
    assert "Phone" in _row(page, "channel") and "staff attitude" in _row(page, "category")
    assert "Li Lei" in _row(page, "customer") and "Why this grade" in _row(page, "grade_reason")
    assert "T5 first response" in _row(page, "clocks")
    assert 'data-testid="engine-records"' in page and 'data-testid="workflow-data"' in page  # raw JSON kept
    history = page.split('data-testid="history"')[1]
    assert '<span title="case_registered">Case registered</span>' in history
    assert '<option value="instance_started">Process started</option>' in history
    web.post("/language", {"language": "zh", "next": "/"})
    zh = web.text(f"/admin/instances/{case.instance_id}")
    assert 'data-testid="process-name">投诉受理<' in zh
    assert "一级处理人员" in _row(zh, "handler_group") and "处理组" in _row(zh, "handler_group")
    assert "电话" in _row(zh, "channel") and "定级理由" in _row(zh, "grade_reason")
    assert '<span title="case_registered">案件登记</span>' in zh.split('data-testid="history"')[1]
