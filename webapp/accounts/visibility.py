"""Which staff member may read which case: one query filter used by the case pages, search, API and lists.

A user reads a case when any of these holds (configuration `CASE_READERS`, see README "Case visibility"):
- the user is in a group that reads every case (default: supervisors, managers, administrators);
- the case has (or had) a task of one of the user's groups, or assigned to / completed by the user
  (its handling groups);
- the user registered it.
Anyone else gets 404, as if the case did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, false, or_, select
from sqlalchemy.orm import Session

from webapp.errors import NotFound
from webapp.models import Case, HumanTask, User

# groups whose members read every case
ALL_CASE_READERS = ("service_supervisor", "technical_supervisor", "general_manager", "crisis_team",
                    "department_head", "admin")
T = TypeVar("T", bound=Select[Any])


def all_readers(config: Any = None) -> tuple[str, ...]:
    """Group keys that read every case (CASE_READERS: comma-separated keys, or a list)."""
    value = (config or {}).get("CASE_READERS") if config is not None else None
    if not value:
        return ALL_CASE_READERS
    keys: Iterable[str] = value.split(",") if isinstance(value, str) else value
    return tuple(k.strip() for k in keys if k.strip())


def readable(user: User, readers: tuple[str, ...] = ALL_CASE_READERS) -> ColumnElement[bool] | None:
    """The SQL condition on Case for cases the user may read; None when the user reads every case."""
    if user.has_role(*readers):
        return None
    groups = sorted(user.group_keys)
    handled = exists().where(HumanTask.case_id == Case.id, or_(
        HumanTask.group_key.in_(groups) if groups else false(),
        HumanTask.assignee == user.username, HumanTask.completed_by == user.username))
    return or_(Case.registered_by == user.username, handled)


def only_readable(stmt: T, user: User, readers: tuple[str, ...] = ALL_CASE_READERS) -> T:
    """Restrict a select over Case to the cases the user may read."""
    condition = readable(user, readers)
    return stmt if condition is None else stmt.where(condition)


def readable_case(session: Session, number: str, user: User, readers: tuple[str, ...] = ALL_CASE_READERS) -> Case:
    """The case with this number if the user may read it, else NotFound (the same answer as a wrong number)."""
    case = session.scalars(only_readable(select(Case).where(Case.number == number), user, readers)).first()
    if case is None:
        raise NotFound(f"case {number} not found")
    return case


def may_read(session: Session, case: Case, user: User, readers: tuple[str, ...] = ALL_CASE_READERS) -> bool:
    """True if the user may read this case."""
    condition = readable(user, readers)
    if condition is None:
        return True
    return session.scalar(select(Case.id).where(Case.id == case.id, condition)) is not None
