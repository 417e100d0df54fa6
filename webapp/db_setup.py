"""Database connection tuning: SQLite WAL, busy timeout, foreign keys, and one writer at a time per process."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

# SQLite allows one writer; when threads of one process collide, its busy handler sleeps in growing steps
# (up to 100 ms). Queueing our own writers on a lock from their first flush to commit/rollback avoids that.
_SQLITE_WRITE_LOCK = threading.RLock()
_HELD = "closeloop_sqlite_write_lock"


def tune_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and foreign keys on every SQLite connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()


@event.listens_for(Session, "before_flush")
def _take_write_lock(session: Session, _ctx: Any, _instances: Any) -> None:
    _hold_write_lock(session)


@event.listens_for(Session, "do_orm_execute")
def _take_write_lock_for_statement(state: ORMExecuteState) -> None:
    # a Core INSERT/UPDATE/DELETE through the session (conditional claim, bulk rows) writes without a flush: it
    # must queue on the same lock, or it may hold SQLite's lock while waiting for ours (a deadlock until timeout)
    if state.is_insert or state.is_update or state.is_delete:
        _hold_write_lock(state.session)


def _hold_write_lock(session: Session) -> None:
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and not session.info.get(_HELD):
        _SQLITE_WRITE_LOCK.acquire()
        session.info[_HELD] = True


@event.listens_for(Session, "after_transaction_end")
def _release_write_lock(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.pop(_HELD, False):
        _SQLITE_WRITE_LOCK.release()
