"""The admin diagram opens called processes (issue 12 item 6): the trace per diagram, the called process's XML,
and an error inside a called process placed on its element there (the call activity marked as leading to it)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.api.test_stories import inquiry, open_task, show, to_solution
from tests.conftest import Api
from tests.studio.helpers import CLOCK_READ, deploy_inquiry_unchecked, hand_timer, pack_file
from tests.web.conftest import Web
from webapp.admin.diagram import traces_json
from webapp.engine.repair import Trace
from webapp.engine.tracing import CallSite, ProcessTraces
from webapp.extensions import db
from webapp.workflow.definitions import latest_definition

pytestmark = pytest.mark.usefixtures("frozen_at_t0")


def broken_timer_case(api: Api) -> tuple[str, int]:
    """An inquiry stopped on the T1 timer of a version deployed before the checks ('PT4H hours'); (number, id)."""
    broken = pack_file("inquiry.bpmn").replace(CLOCK_READ, hand_timer('"PT4H hours"'))
    deploy_inquiry_unchecked(broken.encode())
    r = api.as_("agent").post("/api/v1/cases", json={
        "channel": "phone", "kind": "inquiry", "category": "sales", "subject": "Pump warranty",
        "customer": {"name": "Li Lei", "phone": "13800000003"}, "description": "Warranty of the pump?"})
    assert r.status_code == 201, r.get_json()
    number = r.get_json()["number"]
    answer = open_task(api, number, "answer")
    api.as_("agent").post(f"/api/v1/tasks/{answer['id']}/claim")
    api.as_("agent").post(f"/api/v1/tasks/{answer['id']}/complete", json={"data": {
        "question": "Warranty of the pump?", "answered_at_once": False, "answer": "", "department": "After-sales"}})
    iid = show(api, number)["instance_id"]
    assert api.as_("admin").get(f"/api/v1/instances/{iid}").get_json()["status"] == "error"
    return number, iid


def test_the_trace_is_given_per_diagram_with_the_call_activity_of_each_called_process(api: Api, pack: None):
    number = inquiry(api)
    iid = show(api, number)["instance_id"]
    trace = api.as_("admin").get(f"/api/v1/instances/{iid}/trace").get_json()
    assert trace["top"] == "complaint"
    # a called diagram's key is the path of call activities to it (a process called twice is traced per call)
    assert trace["calls"]["complaint/call_inquiry"] == {"parent": "complaint", "element": "call_inquiry",
                                                         "process": "inquiry"}
    top, called = trace["processes"]["complaint"], trace["processes"]["complaint/call_inquiry"]
    assert "call_inquiry" in top["current"] + top["waiting"]
    assert {"callback", "sign_notice"} <= set(called["current"]) and "answer" in called["completed"]
    assert "callback" not in top["current"]  # the called process's elements stay on its own diagram
    assert called["flows"] and all(f.startswith("Flow_") or f for f in called["flows"])


def test_an_error_inside_a_called_process_is_on_its_element_there(api: Api, pack: None):
    _, iid = broken_timer_case(api)
    trace = api.as_("admin").get(f"/api/v1/instances/{iid}/trace").get_json()
    called, top = trace["processes"]["complaint/call_inquiry"], trace["processes"]["complaint"]
    assert called["errored"] == ["callback_timer"], called
    assert top["errored"] == [] and top["errored_inside"] == ["call_inquiry"]


def test_the_instance_page_carries_the_per_diagram_trace_and_serves_the_called_diagram(app, api: Api, pack: None):
    _, iid = broken_timer_case(api)
    web = Web(app.test_client())
    web.login("admin")
    html = web.text(f"/admin/instances/{iid}")
    data: dict[str, Any] = json.loads(re.search(r'<script type="application/json" id="trace-data">(.*?)</script>',
                                                html, re.S).group(1))  # type: ignore[union-attr]
    assert data["processes"]["complaint/call_inquiry"]["errored"] == ["callback_timer"]
    assert 'data-testid="diagram-trail"' in html
    r = web.get(f"/admin/instances/{iid}/diagram.bpmn?process=inquiry")
    assert r.status_code == 200 and b'<bpmn:process id="inquiry"' in r.data
    assert web.get(f"/admin/instances/{iid}/diagram.bpmn?process=nowhere").status_code == 404



def test_a_step_of_the_grievance_handling_is_marked_on_its_sub_process_and_inside_it(api: Api, pack: None):
    """The handling's steps are embedded sub-processes (drilled into in the same diagram): the task and its step
    are current in the handling's diagram, the steps done completed; an error inside a step marks the step."""
    r = api.as_("agent").post("/api/v1/cases", json={
        "channel": "phone", "kind": "grievance", "category": "staff_attitude", "subject": "Service point 7",
        "customer": {"name": "Li Lei", "phone": "13800000001"}, "description": "Rude", "demand": "An apology"})
    number = r.get_json()["number"]
    to_solution(api, number, "tier_1_handler")
    iid = show(api, number)["instance_id"]
    trace = api.as_("admin").get(f"/api/v1/instances/{iid}/trace").get_json()
    [key] = [k for k, call in trace["calls"].items() if call["process"] == "grievance_handling"]
    handling = trace["processes"][key]
    assert {"solution_step", "step_solution"} <= set(handling["current"])
    assert {"step_facts", "step_responsibility", "responsibility_step"} <= set(handling["completed"])
    # no diagram of its own: a step is drawn in the handling's file
    assert not [k for k in trace["processes"] if k.endswith("step_solution")]
    definition = latest_definition(db.session, "complaint")
    site = trace["calls"][key]
    traces = ProcessTraces("complaint", {key: Trace()}, {key: CallSite(site["parent"], site["element"],
                                                                          "grievance_handling")},
                           errored=(key, "record_sol"))
    marks = traces_json(definition, traces)["processes"][key]
    assert marks["errored"] == ["record_sol"] and marks["errored_inside"] == ["step_solution"]
