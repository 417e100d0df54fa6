"""Short schema-driven fuzz run over every API v1 route: no 5xx, nothing half-written (full run: bench/fuzz.py)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import PASSWORD
from tests.helpers import register
from tests.security.fuzzing import fuzz, half_written
from webapp.api.openapi import OPERATIONS


def test_openapi_describes_every_api_route(app: Flask) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    assert endpoints <= set(OPERATIONS), endpoints - set(OPERATIONS)
    described = {(path, method) for path, item in doc["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
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
