"""When each duty of the worker next has work: timers, clocks, in-app notices, e-mails and webhooks, bulk jobs.

One statement (one round trip, one short read transaction) tells a pass which duties have work due, so a pass
that finds nothing costs that statement and not a claim query per duty, and a pass runs only the claims that can
take something. Each column is the service's own definition of "claimable", so the two cannot disagree: a due
time the claims would not take (a timer of a suspended instance) would wake the worker again and again for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.admin import jobs
from webapp.deadlines import service as deadlines
from webapp.deadlines import timers
from webapp.engine.clock import now
from webapp.outbox import service as outbox


@dataclass(frozen=True)
class Due:
    """The earliest due time of each duty (None: nothing waiting); `job_free`: a bulk job is free to claim now."""

    timers: datetime | None = None
    clocks: datetime | None = None
    in_app: datetime | None = None
    messages: datetime | None = None  # e-mails and webhooks
    job_free: bool = False
    job_lease: datetime | None = None  # the earliest lease end of a job another worker holds

    def earliest(self) -> datetime | None:
        """The earliest moment any duty has work (a free job: now)."""
        if self.job_free:
            return now()
        found = [d for d in (self.timers, self.clocks, self.in_app, self.messages, self.job_lease) if d is not None]
        return min(found) if found else None

    def jobs_ready(self) -> bool:
        """Whether a bulk job can be claimed now (its claim compares leases with the clock's now)."""
        return self.job_free or (self.job_lease is not None and self.job_lease < now())


def _by(moment: datetime | None, at: datetime) -> bool:
    return moment is not None and moment <= at


_STATEMENT = select(timers.earliest_column(), *deadlines.earliest_columns(), *outbox.earliest_columns(),
                    *jobs.lease_columns())


def read(session: Session) -> Due:
    """Every duty's earliest due time, in one statement (its read transaction is ended)."""
    row = session.execute(_STATEMENT).one()
    session.rollback()
    clocks = [d for d in (row[1], row[2]) if d is not None]
    return Due(row[0], min(clocks) if clocks else None, row[3], row[4], bool(row[5]), row[6])


def pending(due: Due, at: datetime) -> tuple[bool, bool, bool, bool, bool]:
    """Which duties have work due by `at`: (timers, clocks, in-app notices, e-mails/webhooks, jobs)."""
    return (_by(due.timers, at), _by(due.clocks, at), _by(due.in_app, at), _by(due.messages, at), due.jobs_ready())
