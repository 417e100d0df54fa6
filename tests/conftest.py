"""Shared fixtures: an app on a fresh database (SQLite, or PostgreSQL when DATABASE_URL is set), users, API."""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import text
from sqlalchemy.engine import make_url
from werkzeug.routing.rules import Rule

from webapp.app import create_app
from webapp.engine import clock
from webapp.engine.pack import Pack
from webapp.extensions import db
from webapp.workflow import definitions
from webapp.workflow.definitions import clear_cache, deploy_directory

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PASSWORD = "test-pass-123"
# A real salted PBKDF2 hash through the production code path, with 1 iteration instead of scrypt's deliberate
# cost: the `users` fixture hashes 13 passwords per test (scrypt made that ~80 % of the web/API suite's time).
TEST_HASH_METHOD = "pbkdf2:sha256:1"
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
    ("integrated", ["integrated_management"], []),
    ("finance", ["finance"], []),
]


def _share_url_builders() -> None:
    """Compile each distinct URL rule's builder once per test run instead of in every test's create_app.

    Werkzeug generates and compiles a Python function per rule (twice) whenever a rule joins a map: about 90 % of
    create_app's time, paid per test. The generated function depends only on what the key holds (the rule text, its
    parsed parts, defaults and converter classes) and reads each rule's converters from the rule it is bound to.
    """
    compile_builder = Rule._compile_builder
    built: dict[tuple[Any, ...], Any] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Any:
        key = (self.rule, append_unknown, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               tuple((name, type(converter)) for name, converter in self._converters.items()))
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]


_share_url_builders()


class SharedTemplateCode(BytecodeCache):
    """Every test app's Jinja environment keeps each template's compiled code here, in memory, keyed like Jinja's
    own bytecode caches (template name and file, checked against the source's checksum): a template is compiled
    once per test run instead of once per test (compiling templates was ~20 % of tests/web's time)."""

    def __init__(self) -> None:
        self.codes: dict[str, tuple[str, Any]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Hand over the code compiled for this template and source, if any."""
        found = self.codes.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the newly compiled code."""
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCode()}


def _share_postgres_engines() -> None:
    """On PostgreSQL, every test app of a process uses one engine per URL and options (disposed after each test).

    The database URL is the same for every test of an xdist worker, so a new engine per test only threw away what an
    engine learns once: the dialect's server checks on its first connection and its cache of compiled statements
    (the ORM's statements were compiled anew in every test). A production process also keeps one engine.
    """
    make_engine = SQLAlchemy._make_engine
    engines: dict[str, sqlalchemy.Engine] = {}

    def shared(self: SQLAlchemy, bind_key: str | None, options: dict[str, Any], app: Flask) -> sqlalchemy.Engine:
        if make_url(options["url"]).get_backend_name() != "postgresql":
            return make_engine(self, bind_key, options, app)
        key = repr(sorted((name, repr(value)) for name, value in options.items()))
        if key not in engines:
            engines[key] = make_engine(self, bind_key, options, app)
        return engines[key]

    SQLAlchemy._make_engine = shared  # type: ignore[method-assign]


_share_postgres_engines()


def _share_parsed_packs() -> None:
    """Deploys parse each distinct set of diagrams and forms once per test run (the `pack` fixture's real pack took
    ~40 ms of parsing in every test that deployed it, and again whenever a test's cache of parsed specs was empty).

    Keyed by the files' and forms' bytes and the registered operations; failures are not kept (each call raises its
    own DeployError). Each call gets its own dicts (files, forms, called specs) around the shared parsed specs, which
    production shares between requests too.
    """
    build = definitions.build_pack
    packs: dict[tuple[Any, ...], Pack] = {}

    def shared(files: dict[str, bytes], forms: dict[str, bytes], operations: set[str]) -> Pack:
        key = (tuple(sorted(files.items())), tuple(sorted(forms.items())), frozenset(operations))
        if key not in packs:
            packs[key] = build(files, forms, operations)
        pack = packs[key]
        return Pack(processes={name: replace(bundle, files=dict(bundle.files), form_files=dict(bundle.form_files),
                                             subprocess_specs=dict(bundle.subprocess_specs))
                               for name, bundle in pack.processes.items()},
                    forms=copy.deepcopy(pack.forms))

    definitions.build_pack = shared  # type: ignore[assignment]


_share_parsed_packs()


# Modules whose tests without the `app` fixture never open a database (the engine on its own, the pack's files, the
# catalogues, the code's layout): the PostgreSQL run leaves those tests to the SQLite run instead of repeating them.
NO_DATABASE = ("tests/process/", "tests/engine/", "tests/test_architecture.py", "tests/test_settings.py",
               "tests/web/test_i18n.py", "tests/web/test_pack_names.py", "tests/web/test_desk_forms.py",
               "tests/security/test_check_code.py")


def database_free(item: pytest.Item) -> bool:
    """True for a test in a NO_DATABASE module that uses no app (so no database) at all."""
    return item.nodeid.startswith(NO_DATABASE) and not {"app", "empty_schema"} & set(
        getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave the database-free tests to the SQLite run; start `slow` tests first, one per xdist
    worker, then browser tests: a long test started last runs alone."""
    if on_postgres() and not os.environ.get("CLOSELOOP_TEST_EVERYTHING"):
        kept, skipped = [], []
        for item in items:
            (skipped if database_free(item) else kept).append(item)
        if skipped:
            config.hook.pytest_deselected(items=skipped)
            items[:] = kept
    slow = [item for item in items if "slow" in item.keywords]
    rest = sorted((item for item in items if "slow" not in item.keywords),
                  key=lambda item: 0 if "browser" in item.keywords else 1)
    items[:] = spread_first(slow, rest, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


def spread_first(first: list[Any], rest: list[Any], workers: int) -> list[Any]:
    """`first` dealt to the heads of `workers` equal slices of the result (xdist's worksteal gives worker i slice i)."""
    workers = max(workers, 1)
    size = (len(first) + len(rest)) // workers
    result: list[Any] = []
    for i in range(workers):
        head = first[i::workers]
        take = len(rest) if i == workers - 1 else max(size - len(head), 0)
        result += head + rest[:take]
        rest = rest[take:]
    return result


def worker_suffix() -> str:
    """'_gw0', '_gw1', ... under pytest-xdist (each worker gets its own PostgreSQL database), else ''."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"_{worker}" if worker else ""


def database_url(tmp_path: Path) -> str:
    """PostgreSQL from DATABASE_URL (one database per xdist worker) when set, else an SQLite file in tmp_path."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(make_url(url).set(database=f"{make_url(url).database}{worker_suffix()}"))


def on_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return bool(os.environ.get("DATABASE_URL", "").startswith("postgresql"))


def _test_config(url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": True,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
        "WEBHOOKS": {"sales": {"url": "http://127.0.0.1:9/sales", "secret": "test"}},  # the pack's webhook:sales
    }


@pytest.fixture(scope="session")
def empty_schema(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """Build the schema once per session (per xdist worker); the `app` fixture then starts every test empty.

    SQLite: a template file with all tables, copied per test. PostgreSQL: this worker's database (created if
    missing) with all tables; every test then empties them (DELETE, sequences restarted) instead of DROP SCHEMA
    and CREATE TABLE each time. Returns the SQLite template path (None on PostgreSQL).
    """
    folder = tmp_path_factory.mktemp("schema")
    if on_postgres():
        url = make_url(database_url(folder))
        with sqlalchemy.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT").connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first():
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            # a throwaway database: its commits need not wait for the WAL to reach the disk (~3 ms per commit here,
            # e.g. 1,000 registrations 43 -> 25 s); the app, its workers and their per-transaction settings are as
            # in production (test_claims checks the firing transaction's own setting against this default)
            conn.execute(text(f'ALTER DATABASE "{url.database}" SET synchronous_commit = off'))
        template = None
    else:
        template = folder / "template.db"
    application = create_app(_test_config(database_url(folder) if on_postgres() else f"sqlite:///{template}",
                                          folder))
    with application.app_context():
        _recreate_schema()
        db.engine.dispose()
    return template


def _recreate_schema() -> None:
    if on_postgres():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
    db.create_all()


def _empty_postgres_tables() -> None:
    """Delete every row and restart every sequence; recreate the schema if a test changed its tables."""
    tables = db.metadata.sorted_tables
    try:
        with db.engine.begin() as conn:
            present = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
            if present != {t.name for t in tables}:
                raise LookupError("the tables differ from the models")
            sequences = conn.execute(text(
                "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = 'public'")).scalars()
            # replica role: no triggers, so the append-only admin_audit (its trigger refuses DELETE) empties too
            conn.exec_driver_sql("; ".join(["SET LOCAL session_replication_role = replica",
                                            *(f'DELETE FROM "{t.name}"' for t in reversed(tables)),
                                            *(f'ALTER SEQUENCE "{name}" RESTART' for name in sequences)]))
    except (LookupError, sqlalchemy.exc.DBAPIError):  # changed tables, or a role that may not skip triggers
        _recreate_schema()


@contextmanager
def app_on_empty_schema(tmp_path: Path, empty_schema: Path | None, **config: Any) -> Iterator[Flask]:
    """An app (the test configuration with `config` over it) on an empty schema: a copy of the session's SQLite
    template, or this worker's PostgreSQL tables emptied (never CREATE TABLE per test)."""
    clear_cache()
    clock.reset()
    url = database_url(tmp_path)
    if empty_schema is not None:
        shutil.copyfile(empty_schema, tmp_path / "test.db")
    application = create_app({**_test_config(url, tmp_path), **config})
    with application.app_context():
        if on_postgres():
            _empty_postgres_tables()
        yield application
        db.session.remove()
        db.engine.dispose()
    clock.reset()


@pytest.fixture
def app(tmp_path: Path, empty_schema: Path | None) -> Iterator[Flask]:
    """An app on an empty schema (a copy of the session's SQLite template, or emptied PostgreSQL tables)."""
    with app_on_empty_schema(tmp_path, empty_schema) as application:
        yield application


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 09:00 UTC


@pytest.fixture
def frozen_at_t0(app: Flask) -> Iterator[datetime]:
    """The clock stopped at T0 (after the app started) for the test."""
    clock.freeze(T0)
    yield T0
    clock.reset()


@pytest.fixture
def users(app: Flask) -> dict[str, Any]:
    """The test staff, one per role, all with PASSWORD.

    The rows `create_user` would write for USERS, in its order (so with its ids), in three batched inserts instead of
    ~90 statements one at a time (`create_user` itself is tested in tests/admin and tests/api).
    """
    from webapp.accounts.service import GROUPS
    from webapp.accounts.signin import hash_password
    from webapp.models import Group, Membership, User

    groups: dict[str, Group] = {}
    for _, keys, supervises in USERS:
        for key in dict.fromkeys([*keys, *supervises]):
            if key not in groups:
                groups[key] = Group(key=key, name=GROUPS.get(key, key.replace("_", " ").capitalize()))
    made = {username: User(username=username, display_name=username.title(), email=f"{username}@example.test",
                           password_hash=hash_password(PASSWORD), language="en")
            for username, _, _ in USERS}
    db.session.add_all([*groups.values(), *made.values()])
    db.session.flush()
    db.session.add_all([Membership(user_id=made[username].id, group_id=groups[key].id, is_supervisor=key in supervises)
                        for username, keys, supervises in USERS for key in dict.fromkeys([*keys, *supervises])])
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
