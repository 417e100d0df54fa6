"""Database connection tuning: SQLite WAL, busy timeout, foreign keys, one writer at a time per process; on
PostgreSQL (psycopg) a rollback that keeps the connection's prepared statements."""

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


def tune_postgres(engine: Engine) -> None:
    """psycopg engines roll back without deallocating the connection's prepared statements.

    psycopg's own rollback() follows its ROLLBACK with DEALLOCATE ALL (one more round trip) and forgets every
    prepared statement, so each statement of the next transactions is parsed and planned again until it is
    prepared anew. Every read-only transaction ends in a rollback (a request's session closing, a worker's pass
    finding nothing due), so a process rarely kept its statements prepared. A PostgreSQL prepared statement does
    not depend on the transaction that prepared it (a rollback keeps it; one whose Parse failed never existed, and
    psycopg caches only those that succeeded), and a schema change invalidates its plan on the server; psycopg still
    forgets them all after its own DROP, ALTER or DISCARD statements.
    """
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        engine.dialect.do_rollback = _rollback_keeping_prepared  # type: ignore[method-assign]


def _rollback_keeping_prepared(dbapi_connection: Any) -> None:
    """ROLLBACK through libpq, as psycopg's rollback() does but without its DEALLOCATE ALL."""
    from psycopg import OperationalError
    from psycopg.pq import ExecStatus, TransactionStatus

    status = dbapi_connection.pgconn.transaction_status
    if status == TransactionStatus.IDLE:
        return
    if status not in (TransactionStatus.INTRANS, TransactionStatus.INERROR):  # busy or broken: psycopg's way
        dbapi_connection.rollback()
        return
    with dbapi_connection.lock:
        result = dbapi_connection.pgconn.exec_(b"ROLLBACK")
    if result.status != ExecStatus.COMMAND_OK:
        message = result.error_message or dbapi_connection.pgconn.error_message
        raise OperationalError(f"ROLLBACK failed: {message.decode(errors='replace').strip()}")


@event.listens_for(Session, "before_flush")
def _take_write_lock(session: Session, _ctx: Any, _instances: Any) -> None:
    _hold_write_lock(session)


@event.listens_for(Session, "do_orm_execute")
def _take_write_lock_for_statement(state: ORMExecuteState) -> None:
    # a Core INSERT/UPDATE/DELETE through the session (conditional claim, bulk rows) writes without a flush: it
    # must queue on the same lock, or it may hold SQLite's lock while waiting for ours (a deadlock until timeout)
    if state.is_insert or state.is_update or state.is_delete:
        _hold_write_lock(state.session)


def hold_write_lock(session: Session) -> None:
    """Queue on this process's SQLite write lock before a Core write on the session's connection (no flush)."""
    _hold_write_lock(session)


def _hold_write_lock(session: Session) -> None:
    bind = session.get_bind()
    if bind.dialect.name == "sqlite" and not session.info.get(_HELD):
        _SQLITE_WRITE_LOCK.acquire()
        session.info[_HELD] = True


@event.listens_for(Session, "after_transaction_end")
def _release_write_lock(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.pop(_HELD, False):
        _SQLITE_WRITE_LOCK.release()
