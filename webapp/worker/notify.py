"""PostgreSQL LISTEN/NOTIFY: a commit that adds work (timers, SLA clocks, outbox rows) wakes every worker.

The NOTIFY is sent right after the work commits (never for a rolled-back transaction), in a one-statement
transaction of its own that commits asynchronously: a NOTIFY makes PostgreSQL serialise the commits of every
notifying transaction on one database-wide lock held until the commit's WAL is flushed, so sent inside the web
request's own transaction it queued every concurrent completion behind the others' fsyncs. A process that dies
between the commit and the NOTIFY loses only the wake-up: workers LISTEN on a connection of their own and set
the loop's wake-up event, and polling stays the fallback (and is all SQLite has).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from webapp.deadlines.models import Deadline
from webapp.models import Outbox, Timer
from webapp.workflow.rows import NOTIFY_WORK

CHANNEL = "closeloop_work"
# session.info flag of a worker's session: its commits do not NOTIFY one by one (each NOTIFY makes PostgreSQL
# serialise the commit, fsync included, behind every other notifying commit); `flush_deferred` sends one per pass
DEFER = "closeloop_defer_notify"
_DEFERRED = "closeloop_notify_deferred"
# set_config(..., true): asynchronous commit for this statement's own (implicit) transaction only
_NOTIFY = f"SELECT set_config('synchronous_commit', 'off', true), pg_notify('{CHANNEL}', '')"
log = logging.getLogger("closeloop.worker")
_installed = False


def install() -> None:
    """Send NOTIFY from every session whose transaction adds work, on PostgreSQL (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Session, "after_flush", _seen)
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_rollback", _clear)


def _seen(session: Session, _ctx: Any) -> None:
    if any(isinstance(o, Outbox | Timer | Deadline) for o in session.new):
        session.info[NOTIFY_WORK] = True


def _committed(session: Session) -> None:
    """After a commit that added work (its flushes said so): NOTIFY in a transaction of its own."""
    if not session.info.pop(NOTIFY_WORK, False):
        return
    engine = session.get_bind().engine
    if engine.dialect.name != "postgresql":
        return
    if session.info.get(DEFER):
        session.info[_DEFERRED] = True
        return
    send(engine)


def send(engine: Engine) -> None:
    """NOTIFY the workers in one autocommitted statement whose commit does not wait for the WAL flush (straight on a
    pooled connection's psycopg connection: no SQLAlchemy execution context, isolation-level reset or statement
    events, so statement counts of a transaction do not include it)."""
    try:
        pooled = engine.raw_connection()
        try:
            driver: Any = pooled.driver_connection
            driver.autocommit = True
            try:
                driver.execute(_NOTIFY)
            finally:
                driver.autocommit = False
        finally:
            pooled.close()
    except Exception:  # the work is committed; a worker finds it by polling
        log.exception("NOTIFY %s failed; workers find the work when they poll", CHANNEL)


def flush_deferred(session: Session) -> bool:
    """Send the one NOTIFY that a deferring session's commits since the last call owe."""
    if not session.info.pop(_DEFERRED, False):
        return False
    send(session.get_bind().engine)
    return True


def _clear(session: Session) -> None:
    session.info.pop(NOTIFY_WORK, None)


def conninfo(url: URL) -> str:
    """A libpq connection string for psycopg from the app's SQLAlchemy URL."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """A LISTEN thread's progress: `ready` once it listens, `heard` notifications so far."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.heard = 0


def listen(url: URL, wake: threading.Event, stop: threading.Event, listener: Listener,
           retry_seconds: float = 1.0) -> None:
    """LISTEN until stopped, setting `wake` on every notification; reconnects after errors (thread target)."""
    import psycopg

    while not stop.is_set():
        try:
            with psycopg.connect(conninfo(url), autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                listener.ready.set()
                while not stop.is_set():
                    for _ in conn.notifies(timeout=1.0):
                        listener.heard += 1
                        wake.set()
        except Exception:  # the database went away: polling carries on, try to listen again shortly
            log.exception("LISTEN %s failed; polling until it reconnects", CHANNEL)
            stop.wait(retry_seconds)


def start_listener(url: URL, wake: threading.Event, stop: threading.Event) -> Listener:
    """Start the LISTEN thread of a PostgreSQL worker (it ends when `stop` is set)."""
    listener = Listener()
    threading.Thread(target=listen, args=(url, wake, stop, listener), name="closeloop-listen", daemon=True).start()
    return listener
