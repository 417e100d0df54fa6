"""Shared fixtures: an app on a fresh database (SQLite, or PostgreSQL when DATABASE_URL is set), users, API."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from webapp.app import create_app
from webapp.engine import clock
from webapp.extensions import db
from webapp.workflow.definitions import clear_cache, deploy_directory

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PASSWORD = "test-pass-123"
USERS: list[tuple[str, list[str], list[str]]] = [
    ("agent", ["customer_service"], []),
    ("handler1", ["tier_1_handler"], []),
    ("handler1b", ["tier_1_handler"], []),
    ("handler2", ["tier_2_handler"], []),
    ("handler3", ["tier_3_handler"], []),
    ("supervisor", ["service_supervisor"], ["tier_1_handler", "tier_2_handler", "customer_service"]),
    ("techsup", ["technical_supervisor"], []),
    ("gm", ["general_manager", "crisis_team"], ["tier_3_handler"]),
    ("depthead", ["department_head", "responsible_department"], []),
    ("caller", ["callback_staff"], []),
    ("owner", ["process_owner"], []),
    ("admin", ["admin"], []),
    ("outsider", ["sales"], []),
]


def database_url(tmp_path: Path) -> str:
    """PostgreSQL from DATABASE_URL when set, else a fresh SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


def on_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return bool(os.environ.get("DATABASE_URL", "").startswith("postgresql"))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty schema; PostgreSQL tables are recreated per test."""
    clear_cache()
    clock.reset()
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": True,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "WEBHOOKS": {"sales": {"url": "http://127.0.0.1:9/sales", "secret": "test"}},  # the pack's webhook:sales
    })
    with application.app_context():
        if on_postgres():
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        yield application
        db.session.remove()
        db.engine.dispose()
    clock.reset()


@pytest.fixture
def users(app: Flask) -> dict[str, Any]:
    """The test staff, one per role, all with PASSWORD."""
    from webapp.accounts.service import create_user

    made = {}
    for username, groups, supervises in USERS:
        made[username] = create_user(db.session, username, PASSWORD, groups, username.title(),
                                     f"{username}@example.test", supervises)
    db.session.commit()
    return made


@pytest.fixture
def mini(app: Flask) -> None:
    """Deploy the small grievance fixture (with its test handlers) as process 'complaint'."""
    import tests.fixtures.handlers  # noqa: F401  (registers test_record / test_notify)

    deploy_directory(db.session, FIXTURES / "processes", FIXTURES / "forms", "test")


@pytest.fixture
def pack(app: Flask) -> None:
    """Deploy the real default process pack."""
    deploy_directory(db.session, ROOT / "processes", ROOT / "forms", "test")


class Api:
    """A JSON client that signs in as a named user (tokens cached per user)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}
        self.user = "agent"

    def as_(self, username: str) -> Api:
        """Act as another user from now on."""
        self.user = username
        return self

    def _headers(self) -> dict[str, str]:
        if self.user not in self.tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": self.user, "password": PASSWORD})
            assert r.status_code == 201, r.get_json()
            self.tokens[self.user] = r.get_json()["token"]
        return {"Authorization": f"Bearer {self.tokens[self.user]}"}

    def get(self, url: str, **kw: Any) -> Any:
        """GET as the current user."""
        return self.client.get(url, headers=self._headers(), **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        """POST JSON as the current user."""
        return self.client.post(url, json=json, headers=self._headers(), **kw)


@pytest.fixture
def api(app: Flask, users: dict[str, Any]) -> Api:
    """API client; `api.as_('handler1').get(...)`."""
    return Api(app.test_client())
