"""In-app notices: outbox rows of channel 'in_app' addressed to `user:<name>` or `group:<key>` of a user.

A personal notice is marked read on its outbox row (read_at); a group notice is read per member
(notice_read rows), so one colleague reading it does not hide it from the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from webapp.engine.clock import now
from webapp.errors import NotFound
from webapp.masterdata import units
from webapp.models import Outbox, User
from webapp.outbox.models import NoticeRead
from webapp.outbox.recipients import earlier_of_same_message
from webapp.paging import newest_first

CHANNEL = "in_app"


@dataclass
class BellNotice:
    """One notice as the bell shows it (handlers.registry.Notice is the message a handler asks to send)."""

    id: int
    template: str
    payload: dict[str, Any]
    case_id: int | None
    created_at: datetime
    read: bool
    recipient: str


def _addresses(user: User) -> tuple[str, list[str]]:
    # a department or service point queue is its own address ('service_point:north'); a group is 'group:<key>'
    return f"user:{user.username}", [k if units.parse(k) else f"group:{k}" for k in sorted(user.group_keys)]


def _not_a_repeat(mine: list[str]) -> Any:
    # one notice to two of my groups (general manager and crisis team) shows once: its first row addressed to me
    other = aliased(Outbox)
    return ~exists().where(earlier_of_same_message(Outbox, other), other.recipient.in_(mine))


def _unread_clause(user: User) -> Any:
    personal, groups = _addresses(user)
    read_by_me = exists().where(NoticeRead.outbox_id == Outbox.id, NoticeRead.username == user.username)
    return and_(or_(and_(Outbox.recipient == personal, Outbox.read_at.is_(None)),
                    and_(Outbox.recipient.in_(groups), ~read_by_me)), _not_a_repeat([personal, *groups]))


def _mine(user: User) -> Select[Any]:
    personal, groups = _addresses(user)
    return select(Outbox).where(Outbox.channel == CHANNEL, Outbox.recipient.in_([personal, *groups]),
                                _not_a_repeat([personal, *groups]))


def unread_count(session: Session, user: User) -> int:
    """How many notices the user has not read."""
    stmt = select(func.count()).select_from(Outbox).where(
        Outbox.channel == CHANNEL, _unread_clause(user))
    return session.scalar(stmt) or 0


def recent(session: Session, user: User, limit: int = 50, before_id: int | None = None) -> list[BellNotice]:
    """The user's notices, newest first (keyset paged by id)."""
    rows, _ = newest_first(session, _mine(user), Outbox.id, before_id, limit)
    group_ids = [r.id for r in rows if r.recipient.startswith("group:")]
    read_ids = set(session.scalars(select(NoticeRead.outbox_id).where(
        NoticeRead.outbox_id.in_(group_ids), NoticeRead.username == user.username))) if group_ids else set()
    return [BellNotice(r.id, r.template, dict(r.payload or {}), r.case_id, r.created_at,
                   r.read_at is not None if r.recipient.startswith("user:") else r.id in read_ids, r.recipient)
            for r in rows]


def mark_read(session: Session, user: User, notice_id: int) -> Outbox:
    """Mark one of the user's notices read (idempotent); NotFound if it is not addressed to the user."""
    row = session.scalars(_mine(user).where(Outbox.id == notice_id)).first()
    if row is None:
        raise NotFound("no such notice")
    if row.recipient.startswith("user:"):
        if row.read_at is None:
            row.read_at = now()
    elif session.scalars(select(NoticeRead).where(NoticeRead.outbox_id == row.id,
                                                  NoticeRead.username == user.username)).first() is None:
        session.add(NoticeRead(outbox_id=row.id, username=user.username, read_at=now()))
    session.commit()
    return row


def mark_all_read(session: Session, user: User) -> int:
    """Mark every unread notice of the user read; returns how many."""
    rows = list(session.scalars(select(Outbox).where(Outbox.channel == CHANNEL, _unread_clause(user))))
    at = now()
    for row in rows:
        if row.recipient.startswith("user:"):
            row.read_at = at
        else:
            session.add(NoticeRead(outbox_id=row.id, username=user.username, read_at=at))
    session.commit()
    return len(rows)
