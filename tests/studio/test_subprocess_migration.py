"""Cases started on the flat grievance handling (before the steps became sub-processes) and the sub-process
version: a case waiting inside the handling is refused a migration with the reason (nothing changes), a case
that has not reached the handling moves and runs on through the steps (issue 12, sub-processes per step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.api.test_stories import grievance, open_task, register, show, to_solution, work
from tests.conftest import Api
from tests.process import answers as a
from tests.studio.helpers import pack_file
from webapp.extensions import db
from webapp.models import HumanTask
from webapp.workflow.definitions import caller_files, deploy_files, deployed_forms, newest_definitions

FLAT = (Path(__file__).parent / "grievance_handling_flat.bpmn").read_bytes()


def _deploy_handling(xml: bytes) -> int:
    """Deploy a grievance_handling.bpmn (with its callers); the new complaint version."""
    newest = newest_definitions(db.session)
    files = caller_files(newest, {"grievance_handling.bpmn"}) | {"grievance_handling.bpmn": xml}
    deploy_files(db.session, files, deployed_forms(newest), "owner", touching={"grievance_handling.bpmn"})
    return next(d.version for d in newest_definitions(db.session) if d.key == "complaint")


def _migrate(api: Api, number: str, to_version: int, dry_run: bool) -> Any:
    """POST the migration of the case's instance as the admin."""
    iid = show(api, number)["instance_id"]
    body = {"to_version": to_version, "dry_run": dry_run, "reason": "steps in sub-processes"}
    return api.as_("admin").post(f"/api/v1/instances/{iid}/migrate", json=body)


def _open_rows(number: str) -> list[tuple[str, str]]:
    """(task, process) of the case's open people's tasks (the assessment's own instance left out)."""
    db.session.expire_all()
    rows = db.session.scalars(select(HumanTask).where(HumanTask.case_number == number, HumanTask.state == "open",
                                                      HumanTask.process_key != "assessment"))  # its own instance
    return sorted((r.spec_id, r.process_key) for r in rows)


def test_a_case_waiting_inside_the_flat_handling_is_refused_the_sub_process_version_with_the_reason(
        api: Api, pack: None) -> None:
    flat = _deploy_handling(FLAT)
    number = register(api, grievance())["number"]
    to_solution(api, number, "tier_1_handler")
    assert _open_rows(number) == [("solution_step", "grievance_handling")]
    stepped = _deploy_handling(pack_file("grievance_handling.bpmn").encode())
    assert stepped == flat + 1
    r = api.as_("owner").get("/api/v1/processes/grievance_handling/diff?from=2&to=3")  # v1 was the pack's
    moved = {(c["element"], c["before"], c["after"]) for c in r.get_json()["changes"] if c["field"] == "in"}
    assert ("communicate", "grievance_handling", "step_execution") in moved  # the diff says which step took it
    dry = _migrate(api, number, stepped, dry_run=True).get_json()
    assert dry["ok"] is False and [w["element"] for w in dry["waiting_removed"]] == ["solution_step"], dry
    refused = _migrate(api, number, stepped, dry_run=False)
    assert refused.status_code == 409 and "solution_step" in refused.get_json()["error"]["message"]
    assert show(api, number)["instance_id"] and _open_rows(number) == [("solution_step", "grievance_handling")]
    # the case goes on on its own version
    work(api, number, "solution_step", "tier_1_handler", a.solution())
    assert "communicate" in [t["task_spec"] for t in show(api, number)["open_tasks"]]


def test_a_case_before_the_handling_moves_to_the_sub_process_version_and_runs_through_the_steps(
        api: Api, pack: None) -> None:
    _deploy_handling(FLAT)
    number = register(api, grievance())["number"]
    assert _open_rows(number) == [("prejudgement", "grievance_first_response")]
    stepped = _deploy_handling(pack_file("grievance_handling.bpmn").encode())
    dry = _migrate(api, number, stepped, dry_run=True).get_json()
    assert dry["ok"] is True and dry["waiting_removed"] == [], dry["waiting_removed"]
    assert "prejudgement" in [w["element"] for w in dry["waiting_kept"]]
    moved = _migrate(api, number, stepped, dry_run=False)
    assert moved.status_code == 200, moved.get_json()
    to_solution(api, number, "tier_1_handler")
    # the solution task now lives in the sub-process "Solution (step 4)"; its row names the diagram it is drawn in
    assert _open_rows(number) == [("solution_step", "grievance_handling")]
    assert open_task(api, number, "solution_step")["group"] == "tier_1_handler"
