"""The worker: fires due timers, warns and breaches SLA clocks, delivers the outbox with retries.

One loop, one item per transaction, one log line per action. It sleeps until the earliest due timer, clock or
outbox row (capped by a short poll, and woken early when this process commits new work), and stops cleanly on
SIGTERM/SIGINT after the item in hand.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from handlers.registry import load_all
from webapp.admin import jobs as admin_jobs
from webapp.deadlines import service as deadlines
from webapp.deadlines import timers
from webapp.deadlines.models import Deadline
from webapp.engine.clock import now
from webapp.models import Outbox, Timer
from webapp.outbox import service as outbox
from webapp.outbox.delivery import DeliveryError, mail, webhook
from webapp.outbox.delivery.settings import WorkerSettings
from webapp.worker import due, notify
from webapp.worker.planstats import PlanStats
from webapp.workflow.rows import WAKE_WORKER

log = logging.getLogger("closeloop.worker")
wakeup = threading.Event()  # set when this process commits a new timer, clock or message


class Worker:
    """Runs the three duties on one SQLAlchemy session until told to stop."""

    def __init__(self, session: Session, settings: WorkerSettings, stop: threading.Event | None = None) -> None:
        self.session = session
        self.settings = settings
        self.stop = stop or threading.Event()
        self.listener: notify.Listener | None = None  # the LISTEN thread's progress, on PostgreSQL
        self.passes = 0  # loop passes done (run())
        self.due: due.Due | None = None  # the due times read by the last round of the last pass
        self.planstats = PlanStats()  # claims keep their index plans after a bulk import (PostgreSQL)
        session.info[notify.DEFER] = True  # one NOTIFY per pass for the work this worker's commits add
        load_all()  # every handler of the handlers package, even if a plug-in module registered first
        for module in settings.handler_modules:
            importlib.import_module(module)  # extra handler packages a deployment plugs in

    # -- one pass ------------------------------------------------------------
    def run_once(self, at: datetime | None = None) -> int:
        """Do every piece of work that is due now (or at `at`); how many actions were taken.

        Each round first reads every duty's earliest due time in one statement and runs only the duties with work
        due; a round that does nothing ends the pass, and its due times tell `sleep_seconds` when to wake."""
        done = 0
        self.due = None
        while not self.stop.is_set():
            self.planstats.maybe_analyze(self.session)
            found = due.read(self.session)
            timers_due, clocks_due, in_app_due, messages_due, jobs_due = due.pending(found, at or now())
            step = self.fire_timers(at) if timers_due else 0
            step += self.check_clocks(at) if clocks_due else 0
            if in_app_due or messages_due:
                step += self.deliver(at, in_app=in_app_due, messages=messages_due)
            step += self.run_jobs() if jobs_due else 0
            notify.flush_deferred(self.session)  # the other workers hear of what this pass added
            done += step
            if step == 0:
                self.due = found
                break
        return done

    def fire_timers(self, at: datetime | None = None) -> int:
        """Fire up to one batch of due timers, one instance per transaction."""
        return self._batch(lambda: timers.fire_next(self.session, at or now()))

    def check_clocks(self, at: datetime | None = None) -> int:
        """Warn or breach up to one batch of clocks."""
        return self._batch(lambda: deadlines.check_next(self.session, at or now()))

    def _batch(self, step: Callable[[], object | None]) -> int:
        """Run `step` up to one batch of times, until it finds nothing (None) or the worker stops; how many ran."""
        done = 0
        for _ in range(self.settings.batch):
            if self.stop.is_set() or step() is None:
                break
            done += 1
        return done

    def run_jobs(self) -> int:
        """Work one batch of a background bulk admin job (webapp.admin.jobs)."""
        return 0 if self.stop.is_set() else admin_jobs.run_batch(self.session, self.settings.batch)

    def deliver(self, at: datetime | None = None, in_app: bool = True, messages: bool = True) -> int:
        """Deliver due in-app notices in bulk, then up to one batch of e-mails and webhooks one by one."""
        ids = outbox.deliver_in_app(self.session, at=at) if in_app else []
        for row_id in ids:
            log.info("delivered in_app outbox=%s", row_id)
        sent = len(ids)
        for _ in range(self.settings.batch if messages else 0):
            if self.stop.is_set():
                break
            claims = outbox.claim(self.session, self.settings, at, channels=("email", "webhook"))
            if not claims:
                break
            self.deliver_one(claims[0], at)
            sent += 1
        return sent

    def deliver_one(self, claim: outbox.Claim, at: datetime | None = None) -> str:
        """One attempt at one claimed message; the status it ends in."""
        env = outbox.envelope(self.session, claim, self.settings)
        if env.duplicate_of is not None and (claim.channel == "webhook" or not env.addresses):
            outbox.mark_duplicate(self.session, claim, env.duplicate_of, at)
            log.info("outbox=%s to=%s: already covered by outbox=%s", claim.id, claim.recipient, env.duplicate_of)
            return "cancelled"
        try:
            if claim.channel == "email":
                detail = mail.send(env, self.settings.mail)
            elif claim.channel == "webhook":
                detail = webhook.send(env, self.settings.webhook_timeout)
            else:
                raise DeliveryError(f"unknown channel {claim.channel}", permanent=True)
        except DeliveryError as exc:
            status = outbox.mark_failed(self.session, claim, str(exc), self.settings, exc.permanent, at)
            level = logging.ERROR if status == "dead" else logging.WARNING
            log.log(level, "%s outbox=%s %s attempt=%s to=%s: %s", "dead" if status == "dead" else "retry",
                    claim.id, claim.channel, claim.attempt, claim.recipient, exc)
            return status
        recorded = outbox.mark_done(self.session, claim, at)
        log.info("delivered %s outbox=%s attempt=%s%s %s", claim.channel, claim.id, claim.attempt,
                 " (resent after an interrupted attempt)" if claim.recovered else "", detail)
        if not recorded:
            log.warning("outbox=%s attempt=%s was taken over by another worker meanwhile", claim.id, claim.attempt)
        return "sent"

    # -- the loop ----------------------------------------------------------------
    def next_due(self) -> datetime | None:
        """The earliest moment any timer, clock, message or free bulk job is due."""
        return due.read(self.session).earliest()

    def sleep_seconds(self) -> float:
        """How long to sleep: until the next due item, at most the poll interval (the due times the pass just read,
        if it ended normally; a pass that found work due but could take none of it, held by another worker, waits
        a tenth of the poll rather than spin)."""
        found, self.due = self.due, None
        cap = self.settings.poll_seconds
        moment = found.earliest() if found is not None else self.next_due()
        if moment is None:
            return cap
        wait = (moment - now()).total_seconds()
        return min(cap, wait if wait > 0 or found is None else cap / 10)

    def run(self) -> None:
        """Loop until stopped."""
        log.info("worker started (poll %.1fs, max %d attempts)", self.settings.poll_seconds,
                 self.settings.max_attempts)
        done = threading.Event()  # ends this run's LISTEN thread, however the loop ends
        bind = self.session.get_bind()
        if bind.dialect.name == "postgresql":  # woken by NOTIFY from any process; polling stays the fallback
            self.listener = notify.start_listener(bind.engine.url, wakeup, done)
        try:
            while not self.stop.is_set():
                wakeup.clear()  # before the pass: work committed during it wakes the next wait at once
                try:
                    self.run_once()
                    pause = self.sleep_seconds()
                except Exception:  # a database hiccup must not end the worker; log and try again shortly
                    log.exception("worker pass failed; retrying")
                    self.session.rollback()
                    pause = self.settings.poll_seconds
                self.passes += 1
                if pause > 0 and not self.stop.is_set():
                    wakeup.wait(pause)
        finally:
            done.set()
        log.info("worker stopped")


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT ask the loop to stop after the item in hand.

    A Python signal handler runs in the main thread between any two bytecodes, perhaps while that thread holds the
    lock of an Event (`wakeup.clear()`, `stop.wait()` take it) or of a log stream: setting the Event there waits
    forever for a lock its own thread holds. So the handler only writes the signal's number to a pipe; a thread of
    its own logs it and sets `stop` and `wakeup`.
    """
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)

    def relay() -> None:
        while number := os.read(read_fd, 1):
            log.info("received %s; finishing the current item", signal.Signals(number[0]).name)
            stop.set()
            wakeup.set()

    threading.Thread(target=relay, name="closeloop-stop", daemon=True).start()

    def handle(signum: int, _frame: Any) -> None:
        with contextlib.suppress(BlockingIOError):  # a full pipe already holds a stop request
            os.write(write_fd, bytes([signum]))

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def watch_commits(session_class: Any) -> None:
    """Wake the in-process worker when a commit adds a timer, clock or message (web + worker in one process)."""

    @event.listens_for(session_class, "after_flush")
    def _seen(session: Session, _ctx: Any) -> None:
        if any(isinstance(o, Outbox | Timer | Deadline) for o in session.new):
            session.info[WAKE_WORKER] = True

    @event.listens_for(session_class, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop(WAKE_WORKER, False):  # also set by rows written without the ORM
            wakeup.set()


def run_forever(make_session: Callable[[], Session], settings: WorkerSettings, stop: threading.Event) -> None:
    """Run a worker, restarting its session after unexpected errors, until stopped (used by `closeloop run`)."""
    while not stop.is_set():
        session = make_session()
        try:
            Worker(session, settings, stop).run()
        except Exception:
            log.exception("worker crashed; restarting in 1s")
            stop.wait(1)  # a stop meanwhile ends the wait
        finally:
            session.close()
