"""Configuration from the environment (read through webapp.settings.env), with safe development defaults."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from webapp.settings import env, env_str

ROOT = Path(__file__).resolve().parent.parent


CALENDAR_KEYS = ("BUSINESS_HOURS", "BUSINESS_DAYS", "HOLIDAYS", "EXTRA_WORKDAYS")


def database_url() -> str:
    """DATABASE_URL (or CLOSELOOP_DATABASE_URL), defaulting to an SQLite file under var/."""
    url = env("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    (ROOT / "var").mkdir(exist_ok=True)
    return f"sqlite:///{ROOT / 'var' / 'closeloop.db'}"


# psycopg prepares a statement on the server after this many executions on a connection (its default is 5): the
# ORM's statements repeat per transition, and a prepared one skips PostgreSQL's parse and plan on every later use
PREPARE_THRESHOLD = 1
SYNCHRONOUS_COMMIT = ("on", "off", "local", "remote_write", "remote_apply")


def engine_options(url: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """SQLAlchemy engine options for a database URL."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # no pool_pre_ping: it costs a round trip per transaction; stale connections are recycled instead
    # jit off: compiling a plan costs 30-40 ms, more than the report and worklist queries it would speed up
    # (session settings go in the startup packet: no SET statement, no round trip)
    options = "-c jit=off"
    commit = env_str("PG_SYNCHRONOUS_COMMIT", "on", environ).strip().lower()
    if commit not in SYNCHRONOUS_COMMIT:
        raise ValueError(f"PG_SYNCHRONOUS_COMMIT must be one of {', '.join(SYNCHRONOUS_COMMIT)}, not {commit!r}")
    if commit != "on":  # see README "Configuration": a commit returns before its WAL reaches the disk
        options += f" -c synchronous_commit={commit}"
    return {"pool_recycle": 1800, "pool_size": 10, "max_overflow": 20,
            "connect_args": {"options": options, "prepare_threshold": PREPARE_THRESHOLD}}


def _flag(name: str) -> bool:
    return (env(name) or "").strip().lower() in ("1", "true", "yes", "on")


def load() -> dict[str, Any]:
    """The app configuration."""
    url = database_url()
    return {
        # the development key is refused outside debug/testing/demo mode (webapp/security/web_startup.py)
        "SECRET_KEY": env_str("SECRET_KEY", "dev-only-change-me"),
        "DEMO_MODE": _flag("DEMO"),
        # groups that read every case (others read the cases they handle or registered): README "Case visibility"
        "CASE_READERS": env_str("CASE_READERS", ""),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "API_TOKEN_HOURS": float(env_str("API_TOKEN_HOURS", "12")),
        "SQLALCHEMY_DATABASE_URI": url,
        "PROCESSES_DIR": env_str("PROCESSES", str(ROOT / "processes")),
        "FORMS_DIR": env_str("FORMS", str(ROOT / "forms")),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "DEFAULT_TIMEZONE": env_str("TIMEZONE", "Asia/Shanghai"),
        "PAGE_SIZE": 50,
        # werkzeug password hash method for new hashes (keep the strong default outside tests)
        "PASSWORD_HASH_METHOD": env_str("PASSWORD_HASH_METHOD", "scrypt"),
        # business calendar of "business time" clocks (see docs/clocks.md)
        **{key: env(key) for key in CALENDAR_KEYS},
        # admin console: when an instance counts as stuck (see webapp/services/stuck.py)
        "STUCK_TIMER_GRACE_SECONDS": int(env_str("STUCK_TIMER_GRACE_SECONDS", "60")),
        "STUCK_OUTBOX_ATTEMPTS": int(env_str("STUCK_OUTBOX_ATTEMPTS", "3")),
        "STUCK_IDLE_HOURS": float(env_str("STUCK_IDLE_HOURS", "72")),
        # budgets of one engine step (diagram scripts): CPU seconds and memory growth (see webapp/engine/budget.py)
        "SCRIPT_CPU_SECONDS": float(env_str("SCRIPT_CPU_SECONDS", "2")),
        "SCRIPT_MEMORY_MB": float(env_str("SCRIPT_MEMORY_MB", "256")),
        # restored workflows a process keeps between calls (see webapp/engine/wfcache.py); 0 turns it off
        "WORKFLOW_CACHE": int(env_str("WORKFLOW_CACHE", "256")),
        # Python's youngest-generation GC threshold: restoring and running workflows allocates many small objects,
        # and the default (700) collects every few hundred of them (about 13% of a completion's CPU); 0 keeps it
        "GC_THRESHOLD": int(env_str("GC_THRESHOLD", "50000")),
    }
