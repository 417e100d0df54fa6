"""Shared set-up for the benchmarks: an app on a scratch database with the fixture pack and users."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/closeloop_bench")


def pg_available() -> bool:
    """True if the local PostgreSQL answers (the bench database is created if missing)."""
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True,
                             connect_timeout=3) as conn:
            if not conn.execute("select 1 from pg_database where datname='closeloop_bench'").fetchone():
                conn.execute("create database closeloop_bench")
        return True
    except Exception:
        return False


def fresh_app(url: str | None, pack: Path) -> Flask:
    """An app on an empty schema (temp SQLite or the URL) with the processes and forms of `pack` deployed."""
    from webapp.app import create_app
    from webapp.extensions import db
    from webapp.workflow.definitions import clear_cache, deploy_directory

    clear_cache()
    url = url or f"sqlite:///{tempfile.mkdtemp(prefix='clbench')}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        deploy_directory(db.session, pack / "processes", pack / "forms", "bench")
        db.session.commit()
    return app


def make_app(url: str | None = None) -> Flask:
    """A fresh app and schema on SQLite (temp file) or the given URL, with fixture processes and users."""
    import tests.fixtures.handlers  # noqa: F401
    from webapp.accounts.service import create_user
    from webapp.extensions import db

    app = fresh_app(url, FIXTURES)
    with app.app_context():
        create_user(db.session, "agent", "bench-pass-1", ["customer_service", "tier_1_handler"])
        create_user(db.session, "handler", "bench-pass-1", ["tier_1_handler"])
        db.session.commit()
    return app


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Run fn `repeat` times; the durations in seconds."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bulk_open_tasks(app: Flask, count: int, group: str = "tier_1_handler") -> None:
    """Insert `count` open cases (instance + case + human task rows) directly, for worklist timing."""
    from datetime import UTC, datetime, timedelta

    from webapp.extensions import db
    from webapp.models import Case, HumanTask, Instance, ProcessDefinition

    with app.app_context():
        definition_id = db.session.query(ProcessDefinition.id).first()[0]
        from sqlalchemy import func, select

        start = max(db.session.scalar(select(func.max(m.id))) or 0 for m in (Instance, Case, HumanTask))
        base = datetime(2026, 1, 1, tzinfo=UTC)
        batch = 5000
        for offset in range(0, count, batch):
            n = min(batch, count - offset)
            ids = range(start + offset + 1, start + offset + n + 1)
            db.session.execute(insert(Instance), [
                {"id": i, "definition_id": definition_id, "process_key": "complaint", "status": "user_input",
                 "state": None, "lock_version": 1, "created_by": "bench"} for i in ids])
            db.session.execute(insert(Case), [
                {"id": i, "number": f"CL-B-{i:07d}", "instance_id": i, "channel": "phone", "kind": "grievance",
                 "customer_name": f"Customer {i}", "description": "bench", "facts": {}, "record": {},
                 "registered_by": "bench", "status": "open", "grade": "G4", "tier": 1} for i in ids])
            db.session.execute(insert(HumanTask), [
                {"id": i, "instance_id": i, "case_id": i, "case_number": f"CL-B-{i:07d}",
                 "task_id": f"00000000-0000-0000-0000-{i:012d}", "spec_id": "fact_finding",
                 "title": "Find the facts", "process_key": "complaint", "group_key": group,
                 "assignee": "handler" if i % 10 == 0 else None, "form_key": "facts.json", "state": "open",
                 "customer_name": f"Customer {i}", "kind": "grievance", "grade": "G4", "tier": 1,
                 "due_at": base + timedelta(minutes=i % 50000)} for i in ids])
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
