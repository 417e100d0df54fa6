"""/processes counts the cases inside a called process, per version; deploying a called process rebuilds its
callers with a comment saying why (not the owner's words alone, as if the caller had been edited)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.api.test_stories import inquiry
from tests.conftest import Api
from tests.studio.helpers import inquiry_hours, post_files
from tests.web.conftest import Web
from webapp.extensions import db
from webapp.models import ProcessDefinition
from webapp.processes.running import running_by_definition

pytestmark = pytest.mark.usefixtures("frozen_at_t0")


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    return Web(app.test_client())


def version(key: str, number: int) -> ProcessDefinition:
    return db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                              ProcessDefinition.version == number)).one()


def pills(html: str, key: str) -> list[str]:
    """The 'running per version' pills of a process row of /processes."""
    row = re.search(rf'<tr data-process="{key}">(.*?)</tr>', html, re.S)
    assert row, key
    return re.findall(r'<span class="pill">(v\d+: \d+)</span>', row[1])


def test_a_case_inside_a_called_process_counts_for_that_process_and_its_version(api: Api, pack: None, web: Web):
    inquiry(api)  # the case waits in inquiry (callback, coordination notice), started on complaint v1
    web.login("owner")
    html = web.text("/processes/")
    assert pills(html, "complaint") == ["v1: 1"] and pills(html, "inquiry") == ["v1: 1"]
    assert pills(html, "grievance_handling") == []
    assert 'data-testid="running-help"' in html and "the cases currently inside it" in html

    r = post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)}, comment="T1 callback 4 hours")
    assert r.status_code == 201, r.get_json()
    inquiry(api, phone="13800000002")  # a new case runs complaint v2, which carries inquiry v2
    counts = running_by_definition(db.session)
    assert counts[version("inquiry", 1).id] == 1 and counts[version("inquiry", 2).id] == 1
    assert counts[version("complaint", 1).id] == 1 and counts[version("complaint", 2).id] == 1


def test_deploying_a_called_process_gives_the_caller_a_comment_saying_why(api: Api, pack: None, web: Web):
    r = post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)}, comment="T1 callback 4 hours")
    assert r.status_code == 201, r.get_json()
    assert version("inquiry", 2).comment == "T1 callback 4 hours"
    assert version("complaint", 2).comment == "calls inquiry v2: T1 callback 4 hours"
    web.login("owner")
    assert "calls inquiry v2: T1 callback 4 hours" in web.text("/processes/complaint")
    web.post("/language", {"language": "zh", "next": "/"})
    assert "调用 inquiry v2：T1 callback 4 hours" in web.text("/processes/")
