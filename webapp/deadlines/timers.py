"""Fire due timers: each due instance is claimed, advanced and committed in its own transaction.

A claim is one statement. Its first part picks the instance of the earliest due timer among the first few due and
locks it with FOR UPDATE SKIP LOCKED on PostgreSQL (so workers side by side take different instances and never wait
for one another); the rest of the same statement loads that instance with its case, its waiting timer rows and its
open human tasks, all as of the statement's one snapshot. The timer rows tell whether a timer is still due and are
the rows the firing updates, so the store reads nothing again.

Exactly once: the firing writes the instance with a version-checked UPDATE (the lock_version it loaded), so if
another worker fired the instance between the statement's snapshot and its lock (the lock then takes the newer row,
while the loaded rows are the snapshot's), the write fails cleanly and the claim moves on (`fire_next` retries).

The firing runs without autoflush, as a completion does: the instance's and the case's UPDATEs go with the
transition's other rows (one statement on PostgreSQL) instead of a flush before the first query.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, ScalarSelect, and_, bindparam, func, literal_column, select, true, union_all
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from webapp.engine.clock import now
from webapp.models import Case, HumanTask, Instance, Timer
from webapp.workflow.transitions import fire_loaded

log = logging.getLogger("closeloop.timers")
FIREABLE = ("waiting", "user_input", "running")
LOOKAHEAD = 32  # due timers a claim looks at: more than the workers that may hold one each at the same moment


@dataclass
class Claim:
    """A claimed instance with what its firing needs: its case, waiting timer rows and open human tasks."""

    instance: Instance
    case: Case | None
    waiting: list[Timer] = field(default_factory=list)
    open_tasks: list[HumanTask] = field(default_factory=list)


def _claim_statement(postgres: bool) -> Executable:
    """The claim, built once per dialect (`at` is its parameter): the instance and its case on every row, with
    either one of its waiting timers (part 1) or one of its open tasks (part 2), so as many rows as timers and tasks
    together, not their product (at least one per part, with NULLs).

    Its constants are written into the SQL, not sent as parameters: with `at` its only parameter, PostgreSQL's
    generic plan of the prepared statement is as good as a custom one, so it keeps the generic plan instead of
    planning this seven-table statement anew on every claim (about half of the claim's server CPU)."""
    waiting = Timer.state == _sql("'waiting'")
    due = (select(Timer.instance_id, Timer.due_at).join(Instance, Instance.id == Timer.instance_id)
           .where(waiting, Timer.due_at <= bindparam("at", type_=Timer.due_at.type), _fireable(Instance))
           .order_by(Timer.due_at).limit(_sql(str(LOOKAHEAD))).subquery())
    picked = (select(Instance.id).join(due, due.c.instance_id == Instance.id)
              .where(_fireable(Instance)).order_by(due.c.due_at).limit(_sql("1")))
    if postgres:
        picked = picked.with_for_update(of=Instance, skip_locked=True)
    claimed = picked.cte("claimed")
    # on PostgreSQL the same statement makes the transaction commit asynchronously (see `claim`)
    columns = (Instance, Case, Timer, HumanTask)
    if postgres:
        columns += (func.set_config(_sql("'synchronous_commit'"), _sql("'off'"), true()),)  # type: ignore[assignment]
    part = union_all(select(_sql("1").label("n")), select(_sql("2").label("n"))).subquery("part")
    return (select(*columns).select_from(claimed).join(Instance, Instance.id == claimed.c.id)
            .outerjoin(Case, Case.instance_id == Instance.id).join(part, true())
            .outerjoin(Timer, and_(part.c.n == _sql("1"), Timer.instance_id == Instance.id, waiting))
            .outerjoin(HumanTask, and_(part.c.n == _sql("2"), HumanTask.instance_id == Instance.id,
                                       HumanTask.state == _sql("'open'")))
            .options(lazyload(Instance.definition))  # the parsed spec comes from the cache by definition id
            .execution_options(populate_existing=True))


def _sql(constant: str) -> Any:
    """A constant as SQL text (no parameter, nothing rendered per execution)."""
    return literal_column(constant)


def _fireable(instance: Any) -> Any:
    return instance.status.in_([_sql(f"'{status}'") for status in FIREABLE])


_CLAIMS = {postgres: _claim_statement(postgres) for postgres in (False, True)}


def earliest_column() -> ScalarSelect[datetime | None]:
    """When the next timer a claim can take falls due (a column for the worker's one due-times statement): timers
    of instances that cannot fire (suspended, ended) are left out, or the worker would wake for them at once."""
    # the first in due order (the index on (state, due_at) read until a fireable instance's timer), not min() over
    # the join: that plan joins and aggregates every waiting timer, ~50 ms at 5,000 waiting, on every worker pass
    return (select(Timer.due_at).join(Instance, Instance.id == Timer.instance_id)
            .where(Timer.state == "waiting", Instance.status.in_(FIREABLE))
            .order_by(Timer.due_at).limit(1).scalar_subquery())


def claim(session: Session, at: datetime) -> Claim | None:
    """Lock and load the instance of the earliest due timer that no other worker holds, with its case, waiting
    timers and open human tasks; or None.

    On PostgreSQL the transaction commits asynchronously (no wait for the WAL flush; `set_config(..., true)` in the
    claim, which saves a round trip): firing has no effect outside the database, so a commit lost in a database
    server crash only means the timer is still waiting and fires again, as after a worker crash. The next
    synchronous commit flushes it.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    found: Claim | None = None
    timers: dict[int, Timer] = {}
    tasks: dict[int, HumanTask] = {}
    for row in session.execute(_CLAIMS[postgres], {"at": at}):
        if found is None:
            found = Claim(row[0], row[1])
        if row[2] is not None:
            timers.setdefault(row[2].id, row[2])
        if row[3] is not None:
            tasks.setdefault(row[3].id, row[3])
    if found is not None:
        found.waiting, found.open_tasks = list(timers.values()), list(tasks.values())
    return found


def fire_claimed(session: Session, claimed: Claim, at: datetime) -> bool:
    """Fire the claimed instance's due timers and commit; False (rolled back) when none is due any more or another
    transaction changed the instance first."""
    if not any(t.due_at is not None and t.due_at <= at for t in claimed.waiting):
        session.rollback()  # nothing due (the pick and the load see one snapshot: a safeguard)
        return False
    instance = claimed.instance
    try:
        with session.no_autoflush:  # the store flushes only what it must: the rest goes in its combined write
            fire_loaded(session, instance, claimed.case, claimed.waiting, claimed.open_tasks)
        session.commit()
    except StaleDataError:  # fired (or changed) by another transaction since the claim's snapshot
        session.rollback()
        return False
    log.info("fired timers of instance %s -> %s", instance.id, instance.status)
    return True


def fire_next(session: Session, at: datetime | None = None, attempts: int = LOOKAHEAD) -> int | None:
    """Claim the instance of the earliest due timer that no other worker holds, fire it, commit; its id or None
    when nothing is due (a claim that lost a race is retried, up to `attempts` times)."""
    at = at or now()
    for _ in range(attempts):
        claimed = claim(session, at)
        if claimed is None:
            session.rollback()
            return None
        instance_id = claimed.instance.id
        if fire_claimed(session, claimed, at):
            return instance_id
    return None


def fire_due_timers(session: Session, at: datetime | None = None, limit: int = 100) -> int:
    """Fire timers due by `at` (default: the clock's now), up to `limit` instances; how many advanced."""
    at = at or now()
    fired = 0
    while fired < limit and fire_next(session, at) is not None:
        fired += 1
    return fired
