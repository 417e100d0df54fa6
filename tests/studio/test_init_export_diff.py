"""One source of truth (issue 12): `closeloop init` deploys a process only when it has no version and says what it
skipped; `closeloop export` writes the deployed versions back as files; the diff between two versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from flask import Flask
from lxml import etree
from sqlalchemy import select

from tests.conftest import ROOT, Api
from tests.studio.helpers import inquiry_hours, post_files
from webapp.cli import deploy_default
from webapp.engine.pack import BPMN_NS
from webapp.extensions import db
from webapp.models import ProcessDefinition
from webapp.processes.deploy import deploy_directory, export_pack
from webapp.workflow.definitions import latest_definition


def newest() -> dict[str, tuple[int, str]]:
    """process key -> (newest version, deployed by)."""
    db.session.expire_all()
    out: dict[str, tuple[int, str]] = {}
    for d in db.session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version)):
        out[d.key] = (d.version, d.deployed_by)
    return out


def test_init_leaves_a_newer_owner_version_alone(app: Flask, api: Api) -> None:
    lines = deploy_default()
    assert "deployed complaint v1" in lines and "deployed inquiry v1" in lines
    r = post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)}, comment="T1 4 hours")
    assert r.status_code == 201, r.get_json()
    assert newest()["inquiry"] == (2, "owner")

    again = deploy_default()  # e.g. `scripts/run` after a restart
    assert not [line for line in again if line.startswith("deployed")]
    assert "skipped inquiry: v2 by owner is deployed (`closeloop deploy DIR` replaces it)" in again
    assert newest()["inquiry"] == (2, "owner") and newest()["complaint"] == (2, "owner")
    inquiry = latest_definition(db.session, "inquiry")
    assert inquiry is not None and "'PT4H'" in inquiry.files["inquiry.bpmn"]


def test_init_deploys_a_new_process_with_the_owners_versions_of_the_others(app: Flask, api: Api,
                                                                          tmp_path: Path) -> None:
    folder = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", folder)
    (folder / "complaint.bpmn").unlink()  # the entry process arrives later
    app.config["PROCESSES_DIR"] = str(folder)
    deploy_default()
    assert "complaint" not in newest() and newest()["inquiry"] == (1, "system")
    r = post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)})
    assert r.status_code == 201, r.get_json()
    shutil.copy(ROOT / "processes" / "complaint.bpmn", folder / "complaint.bpmn")
    lines = deploy_default()
    assert [line for line in lines if line.startswith("deployed")] == ["deployed complaint v1"]
    assert newest()["inquiry"] == (2, "owner")
    complaint = latest_definition(db.session, "complaint")
    assert complaint is not None and "'PT4H'" in complaint.files["inquiry.bpmn"]  # calls the owner's inquiry


def test_init_over_versions_that_held_three_processes_in_one_file(app: Flask, tmp_path: Path) -> None:
    """A database deployed before grievance.bpmn was split (one process per file) keeps its versions on init."""
    folder = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", folder)
    one = etree.parse(str(folder / "grievance.bpmn"))
    for key in ("grievance_first_response", "grievance_handling"):
        one.getroot().append(etree.parse(str(folder / f"{key}.bpmn")).find(f"{{{BPMN_NS}}}process"))
        (folder / f"{key}.bpmn").unlink()
    one.write(str(folder / "grievance.bpmn"))
    app.config["PROCESSES_DIR"] = str(folder)
    deploy_default()
    assert "grievance_handling" in latest_definition(db.session, "grievance").files["grievance.bpmn"]

    app.config["PROCESSES_DIR"] = str(ROOT / "processes")  # the split pack, e.g. `scripts/run` after an update
    lines = deploy_default()
    assert not [line for line in lines if line.startswith("deployed")], lines
    assert newest()["grievance_handling"] == (1, "system")


def test_export_writes_the_deployed_versions_and_deploys_back_unchanged(app: Flask, api: Api,
                                                                       tmp_path: Path) -> None:
    deploy_default()
    post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)})
    written = export_pack(db.session, tmp_path / "out")
    names = {p.relative_to(tmp_path / "out").as_posix() for p in written}
    assert {"processes/inquiry.bpmn", "processes/tier_decision.dmn", "forms/inquiry_callback.json"} <= names
    assert "'PT4H'" in (tmp_path / "out" / "processes" / "inquiry.bpmn").read_text()
    exported = json.loads((tmp_path / "out" / "forms" / "classify.json").read_text())
    assert exported == json.loads((ROOT / "forms" / "classify.json").read_text())
    before = newest()
    results = deploy_directory(db.session, tmp_path / "out" / "processes", tmp_path / "out" / "forms", "cli")
    assert not any(r.created for r in results)  # what is deployed, exported and deployed again: no new version
    assert newest() == before


def test_export_download_is_a_zip_of_the_deployed_versions(app: Flask, api: Api) -> None:
    import io
    import zipfile

    deploy_default()
    post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)})
    r = api.as_("owner").get("/api/v1/processes/export.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    assert "'PT4H'" in archive.read("processes/inquiry.bpmn").decode()
    assert "forms/classify.json" in archive.namelist()
    assert archive.read("forms/prejudgement.json") == (ROOT / "forms" / "prejudgement.json").read_bytes()
    assert archive.read("forms/vocabularies.json") == (ROOT / "forms" / "vocabularies.json").read_bytes()
    assert api.as_("agent").get("/api/v1/processes/export.zip").status_code == 403


def test_cli_export_command(app: Flask, tmp_path: Path) -> None:
    deploy_default()
    result = app.test_cli_runner().invoke(args=["export", str(tmp_path / "pack")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pack" / "processes" / "complaint.bpmn").is_file()
    assert "wrote" in result.output


def test_diff_between_two_versions_shows_exactly_the_change(app: Flask, api: Api) -> None:
    deploy_default()
    post_files(api, "/api/v1/processes", {"inquiry.bpmn": inquiry_hours(4)}, comment="T1 4 hours")
    r = api.as_("owner").get("/api/v1/processes/inquiry/diff?from=1&to=2")
    assert r.status_code == 200, r.get_json()
    changes = {(c["kind"], c["change"], c["element"], c["field"]): (c["before"], c["after"])
               for c in r.get_json()["changes"]}
    assert changes == {
        # the one place that states the T1 callback deadline: timer, promise and miss record read it
        ("service", "changed", "clock_callback", "parameter duration"): ("'PT3H'", "'PT4H'"),
    }
    assert api.as_("owner").get("/api/v1/processes/inquiry/diff").get_json()["from"] == 1
    assert api.as_("owner").get("/api/v1/processes/nope/diff").status_code == 404
    assert api.as_("owner").get("/api/v1/processes/inquiry/diff?from=7").status_code == 404
    assert api.as_("agent").get("/api/v1/processes/inquiry/diff").status_code == 403


def test_diff_lists_decision_rows_and_form_fields(app: Flask, api: Api) -> None:
    deploy_default()
    form = json.loads((ROOT / "forms" / "classify.json").read_text())
    form["properties"]["subject"]["title"] = "Subject line"
    form["properties"]["priority_note"] = {"type": "string", "title": "Priority note"}
    dmn = (ROOT / "processes" / "tier_decision.dmn").read_text()
    rule = '<outputEntry id="tier_decision_r1_o0">\n          <text>3</text>'
    assert rule in dmn
    r = post_files(api, "/api/v1/processes", {
        "complaint.bpmn": (ROOT / "processes" / "complaint.bpmn").read_bytes(),
        "tier_decision.dmn": dmn.replace(rule, rule.replace(">3<", ">2<")).encode(),
        "classify.json": json.dumps(form).encode()})
    assert r.status_code == 201, r.get_json()
    changes = api.as_("owner").get("/api/v1/processes/complaint/diff").get_json()["changes"]
    found = {(c["kind"], c["change"], c["element"]) for c in changes}
    assert found == {("decision_row", "changed", "tier_decision_r1"), ("form_field", "changed", "subject"),
                     ("form_field", "added", "priority_note")}, changes
    row = next(c for c in changes if c["kind"] == "decision_row")
    assert row["before"].startswith('"G1" | - | - | 3') and row["after"].startswith('"G1" | - | - | 2')


def test_export_writes_the_pack_as_the_owner_wrote_it_and_deploys_back(app: Flask, tmp_path: Path) -> None:
    """Forms keep their `$ref` into forms/vocabularies.json and the vocabularies come along: byte for byte."""
    deploy_default()
    export_pack(db.session, tmp_path / "out")
    for folder, suffixes in (("processes", (".bpmn", ".dmn")), ("forms", (".json",))):
        exported = {p.name: p.read_bytes() for p in (tmp_path / "out" / folder).iterdir()}
        repo = {p.name: p.read_bytes() for p in (ROOT / folder).iterdir() if p.suffix in suffixes}
        assert sorted(exported) == sorted(repo)
        assert [n for n in repo if exported[n] != repo[n]] == []
    assert '"$ref": "vocabularies.json#/$defs/media_exposure"' in (tmp_path / "out/forms/prejudgement.json").read_text()
    before = newest()
    results = deploy_directory(db.session, tmp_path / "out" / "processes", tmp_path / "out" / "forms", "cli")
    assert results and not any(r.created for r in results)
    assert newest() == before
