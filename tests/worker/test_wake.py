"""PostgreSQL workers are woken by LISTEN/NOTIFY when work commits, long before their poll would run."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from tests.conftest import on_postgres
from tests.worker.conftest import start_sla
from webapp.extensions import db
from webapp.worker import Worker, wakeup

pytestmark = pytest.mark.skipif(not on_postgres(), reason="LISTEN/NOTIFY is PostgreSQL's; SQLite workers poll")


def wait_for(condition, what: str, limit: float = 120.0) -> None:
    """Wait until condition() holds (a generous limit against a hung test, not a speed assertion)."""
    end = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_a_committed_outbox_row_wakes_a_worker_that_polls_only_hourly(app, users, sla, smtp, settings):
    hourly = dataclasses.replace(settings, poll_seconds=3600)
    stop = threading.Event()
    started: list[Worker] = []

    def run() -> None:
        with app.app_context():
            worker = Worker(db.plain_session(), hourly, stop)
            started.append(worker)
            worker.run()
            db.session.remove()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: started and started[0].listener and started[0].listener.ready.is_set()
                 and started[0].passes >= 1, "the worker to listen and finish its first (empty) pass")
        worker = started[0]
        assert smtp.box.messages == [] and worker.listener.heard == 0
        start_sla()  # commits the acknowledgement e-mail (and NOTIFY right after the commit)
        wait_for(lambda: len(smtp.box.messages) == 1 and worker.passes >= 2, "the acknowledgement to be delivered")
        # delivered by a second pass, within the hour the worker would otherwise have slept: the NOTIFY woke it
        assert worker.listener.heard >= 1
    finally:
        stop.set()
        wakeup.set()
        thread.join(30)
    assert not thread.is_alive()


def test_a_rolled_back_transaction_notifies_nobody(app, users, sla, smtp, settings):
    from sqlalchemy import text

    from webapp.worker.notify import Listener, listen

    stop, listener, woken = threading.Event(), Listener(), threading.Event()
    thread = threading.Thread(target=listen, args=(db.engine.url, woken, stop, listener), daemon=True)
    thread.start()
    try:
        wait_for(listener.ready.is_set, "LISTEN")
        db.session.execute(text("NOTIFY closeloop_work"))
        db.session.rollback()
        start_sla()  # a committed one afterwards arrives, and is the only one
        wait_for(lambda: listener.heard >= 1, "the committed notification")
        assert listener.heard == 1
    finally:
        stop.set()
        thread.join(30)
