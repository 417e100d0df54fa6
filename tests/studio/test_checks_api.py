"""Checks on every deploy (issue 12): each problem names file, element and what to fix; a refused upload stores
nothing; the check-only endpoint runs the same checks; a deploy comment is kept with the version."""

from __future__ import annotations

import pytest

from tests.conftest import Api
from tests.studio.helpers import CLOCK_READ, edited, hand_timer, inquiry_hours, pack_file, post_files, versions

CASES = [
    # (file, old, new, element, words of the message)
    ("inquiry.bpmn", CLOCK_READ, hand_timer('"PT4H hours"'), "callback_timer",
     "'PT4H hours' is not a valid ISO-8601 duration"),
    ("inquiry.bpmn", CLOCK_READ, hand_timer("PT3H"), "callback_timer", 'put it in quotes: "PT3H"'),
    ("inquiry.bpmn", CLOCK_READ, hand_timer("PT4H hours"), "callback_timer", "timer expression does not compile"),
    ("inquiry.bpmn", CLOCK_READ.replace("T1-callback", "T1-notice"), hand_timer('"P1Y2M3DT"'), "notice_timer",
     "not a valid ISO-8601 duration"),
    # a deadline written by hand beside its clock must agree with it (better: the timer reads the clock)
    ("inquiry.bpmn", CLOCK_READ, hand_timer('"PT4H"'), "callback_timer",
     "timer says PT4H but clock 'T1-callback' is started with PT3H by 'clock_callback'"),
    # the owner forgot the quotes of the clock's duration: said on the clock, not as "no clock" on its timer
    ("inquiry.bpmn", "<spiffworkflow:parameter id=\"duration\" type=\"any\" value=\"'PT3H'\"/>",
     "<spiffworkflow:parameter id=\"duration\" type=\"any\" value=\"PT4H\"/>", "clock_callback",
     "parameter duration: PT4H is read as a variable name; quote it: 'PT4H'"),
    ("inquiry.bpmn", CLOCK_READ, CLOCK_READ.replace("T1-callback", "T1-calback"), "callback_timer",
     "timer reads clock 'T1-calback', but no clock_start starts a clock of that name"),
    ("inquiry.bpmn", CLOCK_READ, CLOCK_READ.replace("T1-callback", "T1-reply"), "callback_timer",
     "timer reads clock 'T1-reply' but its task runs on clock 'T1-callback'; write clock_due('T1-callback')"),
    ("inquiry.bpmn", "<spiffworkflow:parameter id=\"clock\" type=\"any\" value=\"'T1-callback'\"/>",
     "<spiffworkflow:parameter id=\"clock\" type=\"any\" value=\"'T1-callback'\"/>"
     "<spiffworkflow:parameter id=\"duration\" type=\"any\" value=\"'PT2H'\"/>", "callback_missed",
     "parameter duration says PT2H but clock 'T1-callback' is started with PT3H"),
    ("inquiry.bpmn", 'name="Customer service">', 'name="Customer care">', "answer",
     "lane 'Customer care' means group 'customer_care', which does not exist"),
    ("inquiry.bpmn", "'group:responsible_department'", "'group:nobody_here'", "send_notice",
     "sends to group:nobody_here, but there is no group 'nobody_here'"),
    ("inquiry.bpmn", "'group:responsible_department'", "'user:ghost'", "send_notice",
     "there is no user 'ghost'"),
    ("inquiry.bpmn", "'group:responsible_department'", "'webhook:crm'", "send_notice",
     "no webhook 'crm'; add it to the WEBHOOKS setting"),
    ("inquiry.bpmn", "'group:responsible_department'", "'service_point:SP-9'", "send_notice",
     "no service point 'SP-9'"),
    ("inquiry.bpmn", '<spiffworkflow:serviceTaskOperator id="record_closure">',
     '<spiffworkflow:serviceTaskOperator id="record_closing">', "close_answered",
     "operation 'record_closing' has no registered handler"),
    ("inquiry.bpmn", "<spiffworkflow:parameter id=\"template\" type=\"any\" value=\"'inquiry_coordination_notice'\"/>",
     "", "send_notice", "operation 'notify' needs parameter 'template'; add it"),
    ("inquiry.bpmn", "<spiffworkflow:parameter id=\"template\" type=\"any\" value=\"'inquiry_coordination_notice'\"/>",
     "<spiffworkflow:parameter id=\"template\" type=\"any\" value=\"'inquiry_coordination_notice'\"/>"
     "<spiffworkflow:parameter id=\"colour\" type=\"any\" value=\"'red'\"/>", "send_notice",
     "operation 'notify' has no parameter 'colour'; remove it"),
    ("inquiry.bpmn", 'value="inquiry_answer.json"', 'value="no_such_form.json"', "answer",
     "form file 'no_such_form.json' is missing"),
    ("grievance.bpmn", "<spiffworkflow:calledDecisionId>resolution_deadline<",
     "<spiffworkflow:calledDecisionId>no_such_decision<", "resolution", "no_such_decision"),
    ("inquiry.bpmn", ">answered_at_once</bpmn:conditionExpression>", ">answered_at_once ==</bpmn:conditionExpression>",
     "Flow_gw_answered_close_answered", "condition does not compile"),
    ("grievance.bpmn", "<bpmn:script>rejections = 0", "<bpmn:script>import os\nrejections = 0", "init",
     "script refused"),
    ("inquiry.bpmn", '<bpmn:endEvent id="end_answered" name="Answered">',
     '<bpmn:task id="orphan" name="Forgotten step"/><bpmn:endEvent id="end_answered" name="Answered">',
     "orphan", "no path from a start event reaches this element"),
    ("inquiry.bpmn", '<bpmn:sequenceFlow id="Flow_close_answered_end_answered" sourceRef="close_answered" '
                     'targetRef="end_answered"/>', "", "close_answered",
     "no path from this element reaches an end event"),
]


@pytest.mark.parametrize(("name", "old", "new", "element", "words"), CASES,
                         ids=[f"{c[3]}:{c[4][:30]}" for c in CASES])
def test_every_check_refuses_the_upload_and_stores_nothing(api: Api, pack: None, name: str, old: str, new: str,
                                                           element: str, words: str) -> None:
    files = {name: edited(name, old, new)}
    stored = versions()
    r = post_files(api, "/api/v1/processes", files, comment="should not be kept")
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "invalid"
    found = [p for p in error["problems"] if p["element"] == element and words in p["message"]]
    assert found, error["problems"]
    assert found[0]["file"] == name and {"file", "element", "name", "message"} <= set(found[0])
    assert set(found[0]) - {"file", "element", "name", "message"} == {"code", "params"}  # every check is coded
    assert all(p["code"] and isinstance(p["params"], dict) for p in error["problems"])
    assert versions() == stored  # nothing half-written
    checked = post_files(api, "/api/v1/processes/check", files)
    assert checked.status_code == 200 and checked.get_json()["ok"] is False
    assert checked.get_json()["problems"] == error["problems"]
    assert versions() == stored


def test_problem_names_the_element_as_the_owner_sees_it(api: Api, pack: None) -> None:
    r = post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(3, timer=4)})  # a timer by hand
    problems = {p["element"]: p for p in r.get_json()["error"]["problems"]}
    assert problems["callback_timer"]["name"] == "T1-callback due"
    assert "let the timer read the clock: clock_due('T1-callback')" in problems["callback_timer"]["message"]
    clock = problems["clock_callback"]  # the clock that still says 3 hours is flagged too
    assert clock["name"] == "Start clock T1-callback"
    assert clock["message"].startswith("clock 'T1-callback' is started with PT3H but 'callback_timer' "
                                       "(T1-callback due)")


def test_invalid_and_non_object_forms_are_refused(api: Api, pack: None) -> None:
    stored = versions()
    r = post_files(api, "/api/v1/processes", {"inquiry.bpmn": pack_file("inquiry.bpmn").encode(),
                                              "inquiry_answer.json": b'{"type": 5}'})
    assert r.status_code == 422
    assert any(p["file"] == "inquiry_answer.json" and "not a valid JSON Schema" in p["message"]
               for p in r.get_json()["error"]["problems"])
    r = post_files(api, "/api/v1/processes", {"inquiry.bpmn": pack_file("inquiry.bpmn").encode(),
                                              "inquiry_answer.json": b'{"type": "string"}'})
    assert r.status_code == 422
    assert any(p["element"] == "answer" and 'must be a JSON Schema with "type": "object"' in p["message"]
               for p in r.get_json()["error"]["problems"])
    assert versions() == stored


def test_check_only_says_ok_and_deploy_keeps_the_comment(api: Api, pack: None) -> None:
    files = {"inquiry.bpmn": inquiry_hours(4)}
    stored = versions()
    r = post_files(api, "/api/v1/processes/check", files)
    assert r.status_code == 200 and r.get_json() == {"ok": True, "problems": [], "warnings": []}
    assert versions() == stored
    r = post_files(api, "/api/v1/processes", files, comment="T1 callback: 4 hours")
    assert r.status_code == 201, r.get_json()
    items = api.as_("owner").get("/api/v1/processes").get_json()["items"]
    newest = {i["key"]: i for i in items if i["version"] == 2}
    assert newest["inquiry"]["comment"] == "T1 callback: 4 hours" and newest["inquiry"]["deployed_by"] == "owner"
    assert newest["complaint"]["comment"] == "calls inquiry v2: T1 callback: 4 hours"  # rebuilt, not edited


def test_check_endpoint_needs_the_process_owner_and_a_diagram(api: Api, pack: None) -> None:
    assert api.as_("agent").post("/api/v1/processes/check").status_code == 403
    r = post_files(api, "/api/v1/processes/check", {"inquiry_answer.json": b"{}"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"files": "no diagram"}


def test_an_unquoted_clock_duration_is_said_on_the_clock_not_as_a_missing_clock_on_its_timer(api: Api,
                                                                                              pack: None) -> None:
    files = {"inquiry.bpmn": edited("inquiry.bpmn", "<spiffworkflow:parameter id=\"duration\" type=\"any\" "
                                    "value=\"'PT3H'\"/>", "<spiffworkflow:parameter id=\"duration\" type=\"any\" "
                                    "value=\"PT4H\"/>")}
    problems = post_files(api, "/api/v1/processes/check", files).get_json()["problems"]
    assert [p["element"] for p in problems] == ["clock_callback"], problems


def test_a_timer_reading_case_data_is_checked_with_the_values_the_pack_gives_it(api: Api, pack: None) -> None:
    """`k_timer` waits `resolution_deadline`, which the decision table sets: each of its outputs must be a duration."""
    stored = versions()
    dmn = edited("resolution_deadline.dmn", '<text>"P7D"</text>', '<text>"P1 week"</text>')
    r = post_files(api, "/api/v1/processes", {"resolution_deadline.dmn": dmn})
    assert r.status_code == 422, r.get_json()
    found = [p for p in r.get_json()["error"]["problems"] if p["element"] == "k_timer"]
    assert [p["file"] for p in found] == ["grievance.bpmn"], r.get_json()
    assert ("resolution_deadline = 'P1 week' (decision 'resolution_deadline' rule 'resolution_deadline_r2' in "
            "resolution_deadline.dmn): 'P1 week' is not a valid ISO-8601 duration") in found[0]["message"]
    assert versions() == stored
    fine = edited("resolution_deadline.dmn", '<text>"P7D"</text>', '<text>"P8D"</text>')
    assert post_files(api, "/api/v1/processes/check", {"resolution_deadline.dmn": fine}).get_json()["ok"] is True


def test_timer_data_from_scripts_and_form_fields_and_what_is_left_to_run_time() -> None:
    from webapp.processes.check_timer_data import check_timer_data
    from webapp.processes.model import read_models

    def model(timer: str, script: str = "") -> dict:
        task = (f'<bpmn:scriptTask id="set"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>' if script else "")
        xml = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
               f'<bpmn:process id="p">{task}<bpmn:intermediateCatchEvent id="wait" name="Wait">'
               f'<bpmn:timerEventDefinition><bpmn:timeDuration>{timer}</bpmn:timeDuration>'
               '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent></bpmn:process></bpmn:definitions>')
        return read_models({"p.bpmn": xml.encode()})[0]

    form = {"type": "object", "properties": {"wait_for": {"type": "string", "enum": ["PT1H", "PT2H", "soon"]}}}
    [problem] = check_timer_data(model("wait_for"), {"f.json": form})
    assert (problem.file, problem.element, problem.name) == ("p.bpmn", "wait", "Wait")
    assert "wait_for = 'soon' (form f.json)" in problem.message
    [problem] = check_timer_data(model("pause", 'pause = "3 hours"'), {})
    assert "pause = '3 hours' (script of 'set' in p.bpmn)" in problem.message
    assert check_timer_data(model("'PT' + str(hours) + 'H'", "hours = 4"), {}) == []  # evaluated: "PT4H"
    assert check_timer_data(model("from_intake"), {}) == []  # data the pack does not state: left to run time


def test_a_check_problem_has_the_same_code_and_params_in_english_and_chinese(api: Api, pack: None) -> None:
    """Design notes ("every refusal names file, element id and what to change"): a studio check's problem, like the
    engine's, carries a machine-readable code and its parameters (the API answers in English); where it is shown
    to the owner its message is in the owner's language, with the same code and parameters."""
    from flask_babel import force_locale

    from webapp.extensions import db
    from webapp.processes.checks import check_files
    from webapp.processes.problem_texts import localized

    files = {"inquiry.bpmn": edited("inquiry.bpmn", CLOCK_READ, CLOCK_READ.replace("T1-callback", "T1-calback"))}
    problems = post_files(api, "/api/v1/processes/check", files).get_json()["problems"]
    en = next(p for p in problems if p["element"] == "callback_timer")
    assert (en["code"], en["params"]) == ("clock_not_started", {"clock": "T1-calback"})
    assert en["message"].startswith("timer reads clock 'T1-calback', but no clock_start")
    with force_locale("zh"):
        found = [p for p in check_files(db.session, {"inquiry.bpmn": files["inquiry.bpmn"]}, {})
                 if p.element == "callback_timer"]
        again = localized(found[0])
    zh = found[0].as_dict()
    assert (zh["code"], zh["params"]) == (en["code"], en["params"])
    assert zh["message"].startswith("定时器读取时钟“T1-calback”") and again.message == zh["message"]


def test_every_check_code_has_a_chinese_text() -> None:
    """Each code's text is in the zh catalogue, so the owner reads every problem in Chinese."""
    from babel.messages.pofile import read_po

    from webapp.processes.check_codes import CHECK_MESSAGES
    from webapp.web.i18n import TRANSLATIONS

    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        translated = {m.id for m in read_po(fh) if m.id and m.string}
    assert sorted(code for code, text in CHECK_MESSAGES.items() if text not in translated) == []


def test_the_openapi_description_names_the_code_and_params_of_every_problem(api: Api, pack: None) -> None:
    """The check and upload answers match /api/v1/openapi.json, which requires a code and params on each problem."""
    from jsonschema import validate

    spec = api.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/processes/check"]["post"]
    schema = spec["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"code", "params"} <= set(schema["properties"]["problems"]["items"]["required"])
    files = {"inquiry.bpmn": edited("inquiry.bpmn", CLOCK_READ, CLOCK_READ.replace("T1-callback", "T1-calback"))}
    validate(post_files(api, "/api/v1/processes/check", files).get_json(), schema)
    upload = api.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/processes"]["post"]["responses"]["422"]
    refused = post_files(api, "/api/v1/processes", files).get_json()
    validate(refused, upload["content"]["application/json"]["schema"])
    assert refused["error"]["problems"]
