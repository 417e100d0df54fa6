"""Smoke test of the whole stack through the API on the fixture diagram."""

from __future__ import annotations

from typing import Any

INTAKE: dict[str, Any] = {
    "channel": "phone", "kind": "grievance", "customer": {"name": "Li Lei", "phone": "13800000001"},
    "category": "staff_attitude", "subject": "Service point 7", "description": "Rude staff at reception",
}


def test_register_and_complete_a_task(api, mini):
    r = api.as_("agent").post("/api/v1/cases", json=INTAKE)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["number"].startswith("CL-")
    assert body["grade"] == "G4"
    assert [t["title"] for t in body["open_tasks"]] == ["Find the facts"]
    task_id = body["open_tasks"][0]["id"]
    r = api.as_("handler1").post(f"/api/v1/tasks/{task_id}/complete", json={"cause": "busy day"})
    assert r.status_code == 200, r.get_json()
    assert [t["title"] for t in r.get_json()["next_tasks"]] == ["Agree the solution"]
