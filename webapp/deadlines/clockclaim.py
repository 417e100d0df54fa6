"""The worker's clock claim: the earliest clock due to warn or breach, its instance's row locked first.

Every transaction that writes an instance's rows locks the instance's row first: a completion's combined write on
PostgreSQL leads with the instance's version-checked UPDATE, then its tasks, timers, case and clocks; a timer claim
locks the instance FOR UPDATE SKIP LOCKED. The clock claim does the same (FOR UPDATE OF instance SKIP LOCKED: an
instance a completion or another worker holds is left for the next round) and only then reads the clock row, fresh,
locked behind it. Locking the clock row first deadlocked against a completion that held the instance and waited
for the clock it pauses, while the breach waited for the instance it writes the new tier into.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, lazyload

from webapp.deadlines.models import Deadline
from webapp.models import Instance

LOOKAHEAD = 32  # due clocks a claim looks at: more than the workers that may hold one each at the same moment


def _due(at: datetime) -> Any:
    return (Deadline.state == "running") & or_(Deadline.due_at <= at,
                                               Deadline.warned_at.is_(None) & (Deadline.warn_at <= at))


def _earliest(at: datetime) -> Any:
    return (select(Deadline).where(_due(at)).order_by(Deadline.due_at).limit(1)
            .execution_options(populate_existing=True))


def _instance_claim(at: datetime) -> Any:
    """The instance of the earliest due clock among the first few whose instance no one holds, locked."""
    due = (select(Deadline.instance_id, Deadline.due_at).where(_due(at), Deadline.instance_id.is_not(None))
           .order_by(Deadline.due_at).limit(LOOKAHEAD).subquery())
    return (select(Instance).join(due, due.c.instance_id == Instance.id)
            .options(lazyload(Instance.definition)).order_by(due.c.due_at).limit(1)
            .with_for_update(of=Instance, skip_locked=True).execution_options(populate_existing=True))


def claim(session: Session, at: datetime) -> tuple[Deadline, Instance | None] | None:
    """The earliest due clock no other transaction holds, with its instance, both locked on PostgreSQL (the
    instance first); or None."""
    if session.get_bind().dialect.name != "postgresql":
        row = session.scalars(_earliest(at)).first()
        if row is None:
            return None
        fresh = None if row.instance_id is None else session.get(Instance, row.instance_id, populate_existing=True)
        return row, fresh
    for _ in range(LOOKAHEAD):
        instance = session.scalars(_instance_claim(at)).first()
        if instance is None:
            break
        row = session.scalars(_earliest(at).where(Deadline.instance_id == instance.id)
                              .with_for_update(skip_locked=True)).first()
        if row is not None:
            return row, instance
        session.rollback()  # its clock was handled between the pick and the lock
    row = session.scalars(_earliest(at).where(Deadline.instance_id.is_(None)).with_for_update(skip_locked=True)).first()
    return None if row is None else (row, None)
