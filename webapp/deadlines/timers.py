"""Fire due timers: each due instance is claimed, advanced and committed in its own transaction.

A claim is one statement: it picks the instance of the earliest due timer among the first few due, locks it with
FOR UPDATE SKIP LOCKED on PostgreSQL (so workers side by side take different instances and never wait for one
another) and loads it with its case. The instance's waiting timer rows are then read once: they tell whether a
timer is still due (another worker may have fired it between the pick and the lock) and are the rows the firing
updates, so the store does not read them again; the instance's open human tasks come with them (one statement).
The firing runs without autoflush, as a completion does: the instance's and the case's UPDATEs go with the
transition's other rows (one statement on PostgreSQL) instead of a flush before the first query.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Executable, ScalarSelect, and_, bindparam, func, select
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from webapp.engine.clock import now
from webapp.models import Case, HumanTask, Instance, Timer
from webapp.workflow.transitions import fire_loaded

log = logging.getLogger("closeloop.timers")
FIREABLE = ("waiting", "user_input", "running")
LOOKAHEAD = 32  # due timers a claim looks at: more than the workers that may hold one each at the same moment


def _claim_statement(postgres: bool) -> Executable:
    """The claim, built once per dialect (`at` is its parameter)."""
    due = (select(Timer.instance_id, Timer.due_at).join(Instance, Instance.id == Timer.instance_id)
           .where(Timer.state == "waiting", Timer.due_at <= bindparam("at", type_=Timer.due_at.type),
                  Instance.status.in_(FIREABLE))
           .order_by(Timer.due_at).limit(LOOKAHEAD).subquery())
    # on PostgreSQL the same statement makes the transaction commit asynchronously (see `claim`)
    columns = (Instance, Case, func.set_config("synchronous_commit", "off", True)) if postgres else (Instance, Case)
    stmt = (select(*columns).join(due, due.c.instance_id == Instance.id)
            .outerjoin(Case, Case.instance_id == Instance.id)
            .options(lazyload(Instance.definition))  # the parsed spec comes from the cache by definition id
            .where(Instance.status.in_(FIREABLE)).order_by(due.c.due_at).limit(1)
            .execution_options(populate_existing=True))
    return stmt.with_for_update(of=Instance, skip_locked=True) if postgres else stmt


_CLAIMS = {postgres: _claim_statement(postgres) for postgres in (False, True)}
# the claimed instance's waiting timers, each with every open human task of the instance (none: NULLs)
_WAITING = (select(Timer, HumanTask)
            .outerjoin(HumanTask, and_(HumanTask.instance_id == Timer.instance_id, HumanTask.state == "open"))
            .where(Timer.instance_id == bindparam("instance_id"), Timer.state == "waiting")
            .execution_options(populate_existing=True))


def earliest_column() -> ScalarSelect[datetime | None]:
    """When the next timer a claim can take falls due (a column for the worker's one due-times statement): timers
    of instances that cannot fire (suspended, ended) are left out, or the worker would wake for them at once."""
    return (select(func.min(Timer.due_at)).join(Instance, Instance.id == Timer.instance_id)
            .where(Timer.state == "waiting", Instance.status.in_(FIREABLE)).scalar_subquery())


def claim(session: Session, at: datetime) -> tuple[Instance, Case | None] | None:
    """Lock and load the instance of the earliest due timer that no other worker holds, with its case; or None.

    On PostgreSQL the transaction commits asynchronously (no wait for the WAL flush; `set_config(..., true)` in the
    claim, which saves a round trip): firing has no effect outside the database, so a commit lost in a database
    server crash only means the timer is still waiting and fires again, as after a worker crash. The next
    synchronous commit flushes it with its own.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    row = session.execute(_CLAIMS[postgres], {"at": at}).first()
    return None if row is None else (row[0], row[1])


def fire_claimed(session: Session, instance: Instance, case: Case | None, at: datetime) -> bool:
    """Fire the claimed instance's due timers and commit; False (rolled back) when none is due any more or another
    transaction changed the instance first."""
    waiting, open_tasks = waiting_and_open(session, instance.id)
    if not any(t.due_at is not None and t.due_at <= at for t in waiting):
        session.rollback()  # fired by another worker between the pick and the lock
        return False
    try:
        with session.no_autoflush:  # the store flushes only what it must: the rest goes in its combined write
            fire_loaded(session, instance, case, waiting, open_tasks)
        session.commit()
    except StaleDataError:
        session.rollback()
        return False
    log.info("fired timers of instance %s -> %s", instance.id, instance.status)
    return True


def waiting_and_open(session: Session, instance_id: int) -> tuple[list[Timer], list[HumanTask]]:
    """The instance's waiting timer rows and its open human tasks, read in one statement (no waiting timer: no
    tasks either, as nothing will fire)."""
    timers: dict[int, Timer] = {}
    tasks: dict[int, HumanTask] = {}
    for timer, task in session.execute(_WAITING, {"instance_id": instance_id}):
        timers.setdefault(timer.id, timer)
        if task is not None:
            tasks.setdefault(task.id, task)
    return list(timers.values()), list(tasks.values())


def fire_next(session: Session, at: datetime | None = None, attempts: int = LOOKAHEAD) -> int | None:
    """Claim the instance of the earliest due timer that no other worker holds, fire it, commit; its id or None
    when nothing is due (a claim that lost a race is retried, up to `attempts` times)."""
    at = at or now()
    for _ in range(attempts):
        claimed = claim(session, at)
        if claimed is None:
            session.rollback()
            return None
        instance, case = claimed
        instance_id = instance.id
        if fire_claimed(session, instance, case, at):
            return instance_id
    return None


def fire_due_timers(session: Session, at: datetime | None = None, limit: int = 100) -> int:
    """Fire timers due by `at` (default: the clock's now), up to `limit` instances; how many advanced."""
    at = at or now()
    fired = 0
    while fired < limit and fire_next(session, at) is not None:
        fired += 1
    return fired

