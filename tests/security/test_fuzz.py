"""Short schema-driven fuzz run over every API v1 route: no 5xx, nothing half-written (full run: bench/fuzz.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from tests.conftest import PASSWORD
from tests.helpers import deploy_assessment_process, register
from tests.security.fuzzing import fuzz, half_written
from webapp.api.openapi import OPERATIONS


def test_openapi_describes_every_api_route(app: Flask) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    api_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")]
    endpoints = {r.endpoint for r in api_rules}
    assert {"reports_api.kpis", "assessments_api.decide", "lessons_api.done"} <= endpoints  # other blueprints too
    assert endpoints <= set(OPERATIONS), endpoints - set(OPERATIONS)
    described = {(path, method) for path, item in doc["paths"].items() for method in item}
    for rule in api_rules:
        path = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in described
    assert doc["paths"]["/api/v1/tasks/{task_id}"]["get"]["parameters"][0]["schema"]["type"] == "integer"


def test_short_fuzz_run_has_no_5xx_and_writes_nothing_half(app: Flask, users: Any, mini: None) -> None:
    for _ in range(2):
        register()
    stats = fuzz(app, "admin", PASSWORD, target=300, per_round=6)
    print(f"fuzz: {stats.requests} requests, statuses {dict(stats.statuses)}")
    assert stats.requests >= 300
    assert len(stats.per_operation) >= 20
    assert not stats.failures, "\n".join(stats.failures[:10])
    assert half_written(app) == []


def test_fuzz_reports_assessments_and_lessons_as_their_users(app: Flask, users: Any, mini: None,
                                                              tmp_path: Path) -> None:
    """The manager APIs with a user holding every role they check, and rows to act on: no 5xx."""
    deploy_assessment_process(tmp_path)
    from webapp.accounts.service import create_user
    from webapp.assessments.models import Assessment
    from webapp.extensions import db
    from webapp.lessons.models import Lesson

    case = register()
    create_user(db.session, "allroles", PASSWORD, ["general_manager", "integrated_management", "finance"])
    for state in ("proposed", "proposed", "accepted"):
        db.session.add(Assessment(case_id=case.id, case_number=case.number, target="Parts", target_type="department",
                                  rule="T4 missed", state=state))
    db.session.add(Lesson(case_id=case.id, case_number=case.number, cause="c", risk="r", improvement="i",
                          owner="allroles"))
    db.session.commit()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "allroles", "password": PASSWORD}).get_json()["token"]
    for amount in ("NaN", "sNaN", "Infinity", "1e999", -1):  # found by hand: NaN compared below zero was a 500
        r = client.post("/api/v1/assessments/1/decision", json={"decision": "accept", "amount": amount},
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 422 and r.get_json()["error"]["fields"]["amount"], (amount, r.get_data()[:200])
    stats = fuzz(app, "allroles", PASSWORD, target=150, per_round=6,
                 under=("/api/v1/reports", "/api/v1/assessments", "/api/v1/lessons"))
    print(f"fuzz: {stats.requests} requests, statuses {dict(stats.statuses)}, {dict(stats.per_operation)}")
    assert len(stats.per_operation) == 7, stats.per_operation
    assert 200 in stats.statuses
    assert not stats.failures, "\n".join(stats.failures[:10])
