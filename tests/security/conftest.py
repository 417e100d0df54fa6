"""Security fixtures: an app whose secrets are recognisable canaries, an owner who deploys, a leak detector."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import app_on_empty_schema
from tests.security.diagrams import FACTS_FORM
from tests.web.conftest import Web
from webapp.engine import budget
from webapp.extensions import db

SECRET = "canary-secret-key-7f3c9a"
ENV_CANARY = "canary-environment-5d21e8"
BUDGET = {"SCRIPT_CPU_SECONDS": 1.0, "SCRIPT_MEMORY_MB": 64}


def _passwd_line() -> str:
    try:
        return Path("/etc/passwd").read_text().splitlines()[0]
    except OSError:
        return "root:x:0:0"


@pytest.fixture
def app(tmp_path: Path, empty_schema: Path | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app with canary secrets (SECRET_KEY, an environment variable) and short script budgets, on an empty
    schema like every test's."""
    import tests.fixtures.handlers  # noqa: F401  (test_record: a service task whose parameter lands on the case)

    monkeypatch.setenv("CLOSELOOP_CANARY", ENV_CANARY)
    before = budget.limits()
    with app_on_empty_schema(tmp_path, empty_schema, SECRET_KEY=SECRET, **BUDGET) as application:
        yield application
    budget.configure(before.cpu_seconds, before.memory_bytes / (1024 * 1024))  # later tests get the usual budgets


def canaries(app: Flask) -> list[str]:
    """Strings that must never show up in anything diagram code can produce."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    return [SECRET, ENV_CANARY, _passwd_line(), url, url.split("://", 1)[-1], f"uid={os.getuid()}("]


def everything_stored() -> str:
    """Every row of every table as text (task data, events, errors, outbox, cases ...)."""
    parts: list[str] = []
    for table in db.metadata.sorted_tables:
        if table.name in ("user_account", "api_token", "rate_hit"):
            continue
        for row in db.session.execute(select(table)):
            parts.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(parts)


def assert_nothing_leaked(app: Flask, *texts: str) -> None:
    """No canary in the database or in the given response texts."""
    db.session.expire_all()
    haystack = everything_stored() + "\n".join(texts)
    for canary in canaries(app):
        assert canary not in haystack, f"leaked: {canary!r}"


def deploy(api: Any, files: dict[str, bytes]) -> Any:
    """Upload diagrams (and the probe form) as the process owner through the API."""
    uploads = [(io.BytesIO(raw), name) for name, raw in files.items()]
    uploads.append((io.BytesIO(FACTS_FORM), "facts.json"))
    return api.as_("owner").client.post(
        "/api/v1/processes", data={"files": uploads}, content_type="multipart/form-data",
        headers=api.as_("owner")._headers())


CASE = {"channel": "phone", "kind": "grievance", "customer": {"name": "Li Lei", "phone": "13800000001"},
        "category": "staff_attitude", "subject": "probe", "description": "Rude staff at reception"}


def register_errored(api: Any) -> tuple[Any, Any]:
    """Register the probe case as the agent: (the API's answer, its instance, which the probe's script put in error)."""
    from webapp.models import Case, Instance

    registered = api.as_("agent").post("/api/v1/cases", json=dict(CASE))
    assert registered.status_code == 201, registered.get_json()
    case = db.session.scalars(select(Case).where(Case.number == registered.get_json()["number"])).one()
    instance = db.session.get(Instance, case.instance_id)
    assert instance is not None and instance.status == "error", (instance.status if instance else None)
    assert instance.error["element"] == "payload", instance.error
    return registered, instance


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A signed-out browser-like client with all test users present."""
    return Web(app.test_client())


@pytest.fixture
def web_factory(app: Flask, users: dict[str, Any]) -> Any:
    """Make several independent clients."""
    return lambda: Web(app.test_client())
