"""Configuration from the environment, with safe development defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


CALENDAR_KEYS = ("BUSINESS_HOURS", "BUSINESS_DAYS", "HOLIDAYS", "EXTRA_WORKDAYS")


def database_url() -> str:
    """DATABASE_URL, defaulting to an SQLite file under var/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    (ROOT / "var").mkdir(exist_ok=True)
    return f"sqlite:///{ROOT / 'var' / 'closeloop.db'}"


def engine_options(url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for a database URL."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # no pool_pre_ping: it costs a round trip per transaction; stale connections are recycled instead
    return {"pool_recycle": 1800, "pool_size": 10, "max_overflow": 20}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def load() -> dict[str, Any]:
    """The app configuration."""
    url = database_url()
    return {
        # the development key is refused outside debug/testing/demo mode (webapp/security/startup.py)
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "dev-only-change-me",
        "DEMO_MODE": _flag("CLOSELOOP_DEMO"),
        # groups that read every case (others read the cases they handle or registered): README "Case visibility"
        "CASE_READERS": os.environ.get("CLOSELOOP_CASE_READERS", ""),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "API_TOKEN_HOURS": float(os.environ.get("CLOSELOOP_API_TOKEN_HOURS", "12")),
        "SQLALCHEMY_DATABASE_URI": url,
        "PROCESSES_DIR": os.environ.get("CLOSELOOP_PROCESSES", str(ROOT / "processes")),
        "FORMS_DIR": os.environ.get("CLOSELOOP_FORMS", str(ROOT / "forms")),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "DEFAULT_TIMEZONE": os.environ.get("CLOSELOOP_TIMEZONE", "Asia/Shanghai"),
        "PAGE_SIZE": 50,
        # werkzeug password hash method for new hashes (keep the strong default outside tests)
        "PASSWORD_HASH_METHOD": os.environ.get("CLOSELOOP_PASSWORD_HASH_METHOD", "scrypt"),
        # business calendar of "business time" clocks (see docs/clocks.md)
        **{key: os.environ.get(f"CLOSELOOP_{key}", os.environ.get(key)) for key in CALENDAR_KEYS},
        # admin console: when an instance counts as stuck (see webapp/services/stuck.py)
        "STUCK_TIMER_GRACE_SECONDS": int(os.environ.get("CLOSELOOP_STUCK_TIMER_GRACE_SECONDS", "60")),
        "STUCK_OUTBOX_ATTEMPTS": int(os.environ.get("CLOSELOOP_STUCK_OUTBOX_ATTEMPTS", "3")),
        "STUCK_IDLE_HOURS": float(os.environ.get("CLOSELOOP_STUCK_IDLE_HOURS", "72")),
        # budgets of one engine step (diagram scripts): CPU seconds and memory growth (see webapp/engine/budget.py)
        "SCRIPT_CPU_SECONDS": float(os.environ.get("CLOSELOOP_SCRIPT_CPU_SECONDS", "2")),
        "SCRIPT_MEMORY_MB": float(os.environ.get("CLOSELOOP_SCRIPT_MEMORY_MB", "256")),
    }
