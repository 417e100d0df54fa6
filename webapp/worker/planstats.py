"""Planner statistics of the tables the worker claims from: ANALYZE one that grew far past them (PostgreSQL).

A claim reads the first few due rows in index order, 0.2 ms, only if PostgreSQL knows that many rows may match;
on a table bulk-loaded after its last ANALYZE (an import, a mass migration) it has no statistics of the new rows,
takes the defaults (0.5 % of the rows in a given state, a third of them due) and plans "read every due row, join
its instance, sort, keep one": 50 ms and 30,000 page reads per claim with 10,000 due. No query shape avoids that
on every table size (the instance-status filter before the limit brings the sort back), so the worker keeps the
statistics instead: it compares each table's size on disk with the size its statistics describe (pg_class.relpages,
set by ANALYZE and VACUUM) and runs ANALYZE on one more than twice as large. Autovacuum does the same, but only
after a minute or more; this check costs one catalogue query every CHECK_SECONDS and catches an import at once.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

log = logging.getLogger("closeloop.worker")
TABLES = ("timer", "instance", "deadline", "outbox")  # claimed from (timers, clocks, messages) or joined by a claim
CHECK_SECONDS = 10.0
GROWTH = 2  # statistics are stale when the table has more than GROWTH times the pages they describe
MIN_PAGES = 16  # smaller tables (128 kB) are read whole in no time, whatever the plan
LOCK = 7_160_413  # advisory lock id: one worker analyzes, the others go on claiming
TIMEOUT_MS = 5_000  # an ANALYZE that waits or runs longer is cancelled (the claims go on, slower, until the next check)

_STALE = text(
    "SELECT c.relname FROM pg_class c WHERE c.relname IN :tables AND c.relkind = 'r'"
    " AND c.relnamespace = current_schema()::regnamespace AND pg_has_role(c.relowner, 'MEMBER')"  # may ANALYZE
    " AND pg_relation_size(c.oid) / current_setting('block_size')::int"
    " > GREATEST(:growth * GREATEST(c.relpages, 0), :min_pages)"
    " AND pg_try_advisory_xact_lock(:lock)"
).bindparams(bindparam("tables", expanding=True))


class PlanStats:
    """Checks the claim tables at most every CHECK_SECONDS and analyzes the stale ones."""

    def __init__(self, check_seconds: float = CHECK_SECONDS) -> None:
        self.check_seconds = check_seconds
        self.next_check = 0.0  # monotonic time of the next check: the first one is due at once
        self.analyzed: list[str] = []  # tables analyzed so far (for the log and the tests)

    def maybe_analyze(self, session: Session) -> list[str]:
        """ANALYZE the claim tables whose statistics are stale, if a check is due; the tables analyzed."""
        if time.monotonic() < self.next_check:
            return []
        self.next_check = time.monotonic() + self.check_seconds
        if session.get_bind().dialect.name != "postgresql":
            return []
        try:
            stale = list(session.scalars(_STALE, {"tables": list(TABLES), "growth": GROWTH, "min_pages": MIN_PAGES,
                                                  "lock": LOCK}))
            if stale:  # maintenance must never hold the worker: no waiting on a lock or a slow sample past this
                session.connection().exec_driver_sql(f"SET LOCAL statement_timeout = '{TIMEOUT_MS}ms'")
            for table in stale:  # names from the fixed list above, quoted all the same
                session.connection().exec_driver_sql(f'ANALYZE "{table}"')
            session.commit()  # also releases the advisory lock
        except Exception:  # claims stay correct, only slower until someone analyzes
            session.rollback()
            log.exception("ANALYZE of the claim tables failed")
            return []
        if stale:
            log.info("analyzed %s: their statistics described less than 1/%d of their pages", ", ".join(stale),
                     GROWTH)
            self.analyzed.extend(stale)
        return stale
