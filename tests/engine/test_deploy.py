"""Deploy validation: every refusal names file, element and problem; nothing is stored on refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import FIXTURES
from webapp.engine.pack import DeployError, build_pack, read_dir
from webapp.extensions import db
from webapp.models import ProcessDefinition
from webapp.workflow.definitions import deploy_files

OPS = {"test_record", "test_notify"}


def _files() -> tuple[dict[str, bytes], dict[str, bytes]]:
    return read_dir(FIXTURES / "processes", FIXTURES / "forms")


def _refused(files: dict[str, bytes], forms: dict[str, bytes], ops: set[str] = OPS) -> list[str]:
    with pytest.raises(DeployError) as info:
        build_pack(files, forms, ops)
    return [str(p) for p in info.value.problems]


def test_fixture_pack_is_valid():
    files, forms = _files()
    pack = build_pack(files, forms, OPS)
    assert set(pack.processes) == {"complaint"}
    assert pack.processes["complaint"].files.keys() == {"mini.bpmn", "mini_grade.dmn"}


def test_xml_that_does_not_parse_is_refused():
    files, forms = _files()
    files["mini.bpmn"] = files["mini.bpmn"][:-40]
    problems = _refused(files, forms)
    assert any(p.startswith("mini.bpmn") and "does not parse" in p for p in problems)


def test_xxe_is_refused_and_no_file_is_read(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    files, forms = _files()
    body = files["mini.bpmn"].decode().replace('<?xml version="1.0" encoding="UTF-8"?>', "")
    files["mini.bpmn"] = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
                          + body.replace('name="Mini grievance" isExecutable', 'name="&x;" isExecutable')).encode()
    problems = _refused(files, forms)
    assert any("DOCTYPE" in p for p in problems)
    assert not any("TOP-SECRET" in p for p in problems)


def test_billion_laughs_is_refused():
    files, forms = _files()
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    files["bomb.bpmn"] = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "lol">{lol}]><d>&l9;</d>').encode()
    problems = _refused(files, forms)
    assert any(p.startswith("bomb.bpmn") and "DOCTYPE" in p for p in problems)


def test_bpmn_the_parser_rejects_names_the_element():
    files, forms = _files()
    files["mini.bpmn"] = files["mini.bpmn"].replace(b'targetRef="solution"/>', b'targetRef="nowhere"/>', 1)
    problems = _refused(files, forms)
    assert any("mini.bpmn" in p for p in problems), problems


def test_service_task_without_handler_is_refused():
    files, forms = _files()
    problems = _refused(files, forms, {"test_record"})
    assert any("notify_late" in p and "'test_notify' has no registered handler" in p for p in problems)


def test_missing_form_file_is_refused():
    files, forms = _files()
    del forms["survey.json"]
    problems = _refused(files, forms)
    assert any("'followup'" in p and "survey.json" in p and "missing" in p for p in problems)


def test_invalid_json_schema_is_refused():
    files, forms = _files()
    forms["survey.json"] = b'{"type": "objekt"}'
    problems = _refused(files, forms)
    assert any(p.startswith("survey.json") and "not a valid JSON Schema" in p for p in problems)


def test_user_task_in_no_lane_is_refused():
    files, forms = _files()
    files["mini.bpmn"] = files["mini.bpmn"].replace(b"<bpmn:flowNodeRef>followup</bpmn:flowNodeRef>", b"")
    problems = _refused(files, forms)
    assert any("'followup'" in p and "no lane" in p for p in problems)


def test_unsafe_script_is_refused():
    files, forms = _files()
    files["mini.bpmn"] = files["mini.bpmn"].replace(
        b"<bpmn:conditionExpression>satisfaction &gt;= 3</bpmn:conditionExpression>",
        b"<bpmn:conditionExpression>__import__('os').system('id') == 0</bpmn:conditionExpression>")
    files["mini.bpmn"] = files["mini.bpmn"].replace(
        b'<bpmn:userTask id="followup" name="Follow-up call">',
        b'<bpmn:userTask id="followup" name="Follow-up call"><bpmn:extensionElements>'
        b"<spiffworkflow:preScript>import os</spiffworkflow:preScript></bpmn:extensionElements>")
    problems = _refused(files, forms)
    assert any("'followup'" in p and "script refused" in p for p in problems), problems


def test_refused_deploy_stores_nothing(app):
    files, forms = _files()
    del forms["facts.json"]
    import tests.fixtures.handlers  # noqa: F401

    with pytest.raises(DeployError):
        deploy_files(db.session, files, forms, "owner")
    assert db.session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def test_identical_content_creates_no_new_version_and_a_change_does(app):
    import tests.fixtures.handlers  # noqa: F401

    files, forms = _files()
    first = deploy_files(db.session, files, forms, "owner")
    again = deploy_files(db.session, files, forms, "owner")
    assert [(r.version, r.created) for r in first] == [(1, True)]
    assert [(r.version, r.created) for r in again] == [(1, False)]
    files["mini.bpmn"] = files["mini.bpmn"].replace(b'value="PT4H"', b'value="PT2H"')
    changed = deploy_files(db.session, files, forms, "owner")
    assert [(r.version, r.created) for r in changed] == [(2, True)]
    stored = db.session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version)).all()
    assert [d.deployed_by for d in stored] == ["owner", "owner"]
    assert stored[0].content_hash != stored[1].content_hash
