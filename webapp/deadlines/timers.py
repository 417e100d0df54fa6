"""Fire due timers: each due instance is advanced in its own transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from webapp.engine.clock import now
from webapp.models import Instance, Timer
from webapp.workflow.transitions import fire_instance_timers

log = logging.getLogger("closeloop.timers")
FIREABLE = ("waiting", "user_input", "running")


def due_instance_ids(session: Session, at: datetime, limit: int = 100) -> list[int]:
    """Ids of instances with a waiting timer due by `at`, earliest first."""
    stmt = (select(Timer.instance_id, Timer.due_at).where(Timer.state == "waiting", Timer.due_at <= at)
            .order_by(Timer.due_at).limit(limit * 4))
    seen: list[int] = []
    for instance_id, _ in session.execute(stmt):
        if instance_id not in seen:
            seen.append(instance_id)
        if len(seen) >= limit:
            break
    return seen


def fire_one(session: Session, instance_id: int, at: datetime | None = None) -> bool:
    """Lock one instance (skipping it if another worker holds it), fire its due timers, commit."""
    stmt = select(Instance).where(Instance.id == instance_id)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    instance = session.scalars(stmt).first()
    if instance is None or instance.status not in FIREABLE:
        session.rollback()
        return False
    return _fire_and_commit(session, instance)


def _fire_and_commit(session: Session, instance: Instance) -> bool:
    """Fire the locked instance's due timers and commit; False when another transaction changed it first."""
    try:
        fire_instance_timers(session, instance)
        session.commit()
    except StaleDataError:
        session.rollback()
        return False
    log.info("fired timers of instance %s -> %s", instance.id, instance.status)
    return True


def fire_due_timers(session: Session, at: datetime | None = None, limit: int = 100) -> int:
    """Fire every timer due by `at` (default: the clock's now); returns how many instances advanced."""
    at = at or now()
    fired = 0
    for instance_id in due_instance_ids(session, at, limit):
        session.rollback()  # end the read transaction before each write
        if fire_one(session, instance_id, at):
            fired += 1
    return fired


def fire_next(session: Session, at: datetime | None = None, candidates: int = 20) -> int | None:
    """Claim the instance of the earliest due timer that no other worker holds, fire it, commit; its id or None.

    Candidates come from the timer index; each instance is then locked by primary key with FOR UPDATE SKIP
    LOCKED on PostgreSQL, so workers side by side take different instances. The due timer is checked again
    after the lock, so a timer another worker has just fired is not fired twice.
    """
    at = at or now()
    due_ids = list(dict.fromkeys(session.scalars(  # instances in error keep their timers but are not candidates
        select(Timer.instance_id).join(Instance, Instance.id == Timer.instance_id)
        .where(Timer.state == "waiting", Timer.due_at <= at, Instance.status.in_(FIREABLE))
        .order_by(Timer.due_at).limit(candidates))))
    postgres = session.get_bind().dialect.name == "postgresql"
    for instance_id in due_ids:
        # the definition comes from the identity map (many-to-one lazy load), not a join under FOR UPDATE
        lock = (select(Instance).options(lazyload(Instance.definition))
                .where(Instance.id == instance_id, Instance.status.in_(FIREABLE)))
        if postgres:
            lock = lock.with_for_update(skip_locked=True)
        instance = session.scalars(lock.execution_options(populate_existing=True)).first()
        if instance is None:
            continue
        still_due = select(Timer.id).where(Timer.instance_id == instance_id, Timer.state == "waiting",
                                           Timer.due_at <= at).limit(1)
        if session.scalar(still_due) is None:
            continue
        return instance_id if _fire_and_commit(session, instance) else None
    session.rollback()
    return None
