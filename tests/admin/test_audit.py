"""The audit log cannot be changed or deleted (ORM guard and database triggers); CSV export; diagram layout."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from tests.admin.conftest import errored_case
from tests.conftest import FIXTURES
from tests.helpers import user
from webapp.admin import repair as admin_repair
from webapp.admin.audit import AuditFilters, export_csv
from webapp.admin.diagram import BPMN, BPMNDI, add_layout, flows_taken, process_xml
from webapp.admin.models import AuditEntry, AuditReadOnly
from webapp.admin.stuck import StuckSettings
from webapp.extensions import db


def test_audit_rows_cannot_be_edited_or_deleted(mini, users):
    case = errored_case()
    admin_repair.retry(db.session, case.instance_id, user("admin"), "=HYPERLINK(\"http://evil\")")
    entry = db.session.scalars(select(AuditEntry)).one()
    entry.reason = "nothing happened"
    with pytest.raises(AuditReadOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEntry)).one())
    with pytest.raises(AuditReadOnly):
        db.session.commit()
    db.session.rollback()
    for statement in (update(AuditEntry).values(reason="rewritten"), delete(AuditEntry),
                      text("UPDATE admin_audit SET actor = 'someone else'")):
        with pytest.raises(DatabaseError, match="read-only"):
            db.session.execute(statement)
        db.session.rollback()
    db.session.expire_all()
    kept = db.session.scalars(select(AuditEntry)).one()
    assert (kept.actor, kept.reason) == ("admin", "=HYPERLINK(\"http://evil\")")
    rows = list(csv.DictReader(io.StringIO("".join(export_csv(db.session, AuditFilters(action="retry"))))))
    assert rows[0]["reason"] == "'=HYPERLINK(\"http://evil\")"  # a spreadsheet shows it, never runs it
    assert list(csv.DictReader(io.StringIO("".join(export_csv(db.session, AuditFilters(actor="nobody")))))) == []


def test_stuck_thresholds_come_from_the_configuration(app):
    assert StuckSettings.from_config(app.config) == StuckSettings()
    tuned = StuckSettings.from_config({"STUCK_TIMER_GRACE_SECONDS": 300, "STUCK_OUTBOX_ATTEMPTS": 5,
                                       "STUCK_IDLE_HOURS": 12})
    assert (tuned.timer_grace.total_seconds(), tuned.outbox_attempts, tuned.idle_after.total_seconds()) == (
        300, 5, 12 * 3600)


def test_a_diagram_without_layout_gets_one_and_a_laid_out_diagram_is_served_as_is(mini):
    from webapp.engine.xmlsafe import parse_xml
    from webapp.models import ProcessDefinition

    definition = db.session.scalars(select(ProcessDefinition)).one()
    xml = process_xml(definition)
    root = parse_xml(xml.encode(), "x")
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI}}}BPMNShape")}
    process = root.find(f"{{{BPMN}}}process")
    nodes = {el.get("id") for el in process if el.get("id") and not el.tag.endswith(("sequenceFlow", "laneSet"))}
    assert shapes == nodes  # every flow node got a shape
    edges = {e.get("bpmnElement") for e in root.iter(f"{{{BPMNDI}}}BPMNEdge")}
    assert edges == {f.get("id") for f in process.iter(f"{{{BPMN}}}sequenceFlow")}
    assert flows_taken(xml, [("start", "grade_task"), ("late", "notify_late"), ("end", "start")]) == ["f1", "f_late"]
    definition.files = {"mini.bpmn": xml}  # now it has a layout: it is served unchanged
    assert process_xml(definition) == xml
    source = parse_xml((FIXTURES / "processes" / "mini.bpmn").read_bytes(), "m")
    assert add_layout(source, source.find(f"{{{BPMN}}}process")) == xml  # the layout is deterministic
