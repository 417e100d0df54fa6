"""Worklist queries over the human_task table only (never a workflow), keyset-paged soonest deadline first."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from webapp.engine.clock import now
from webapp.errors import Forbidden, Invalid
from webapp.models import Group, HumanTask, Membership, User
from webapp.paging import encode_cursor, soonest_first
from webapp.tasks.models import SHOWN_COLUMNS

SCOPES = ("mine", "group", "overdue", "team", "all")
_SHOWN = tuple(HumanTask.__table__.c[name] for name in SHOWN_COLUMNS)


@dataclass
class TaskFilters:
    """What the user narrowed the list to."""

    grade: str | None = None
    kind: str | None = None
    category: str | None = None
    process: str | None = None
    overdue: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    """One page of tasks and the cursor of the next page (None at the end)."""

    items: list[Any]  # HumanTask rows, or plain rows of SHOWN_COLUMNS (list_tasks with rows=True)
    next_cursor: str | None


def _scoped(user: User, scope: str) -> tuple[str, dict[str, Any]]:
    """Which open tasks a scope lists: the kind of statement (see _statement) and its values."""
    if scope == "mine":
        return "mine", {"username": user.username}
    if scope == "group":
        return "unclaimed_in", {"groups": sorted(user.group_keys)}
    if scope == "team":
        if not user.supervised_keys and not user.has_role("admin"):
            raise Forbidden("the team view is for supervisors of a group")
        if user.has_role("admin"):
            return "every", {}
        return "in", {"groups": sorted(user.supervised_keys)}
    if scope == "all":
        if not user.has_role("admin", "service_supervisor", "general_manager"):
            raise Forbidden("listing all tasks needs the admin or supervisor role")
        return "every", {}
    raise Invalid(f"unknown scope '{scope}'", {"scope": "one of " + ", ".join(SCOPES)})


_FILTERS = (("grade", HumanTask.grade), ("kind", HumanTask.kind), ("category", HumanTask.category),
            ("process", HumanTask.process_key))


def _filtered(f: TaskFilters) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The filters given (names) and their values."""
    names = tuple(name for name, _ in _FILTERS if getattr(f, name))
    values: dict[str, Any] = {f"f_{name}": getattr(f, name) for name in names}
    if f.overdue:
        names += ("overdue",)
        values["f_overdue"] = now()
    return names, values


@lru_cache(maxsize=256)
def _statement(kind: str, filters: tuple[str, ...], rows: bool) -> Select[Any]:
    """The open tasks of a scope kind with the filters named, values as bound parameters: built once per shape
    (a statement built per request costs ~0.2 ms, and SQLAlchemy keys it again on every run)."""
    stmt = (select(*_SHOWN) if rows else select(HumanTask)).where(HumanTask.state == "open")
    if kind == "mine":
        stmt = stmt.where(HumanTask.assignee == bindparam("username"))
    elif kind == "unclaimed_in":
        stmt = stmt.where(HumanTask.assignee.is_(None), HumanTask.group_key.in_(bindparam("groups", expanding=True)))
    elif kind == "in":
        stmt = stmt.where(HumanTask.group_key.in_(bindparam("groups", expanding=True)))
    for name, column in _FILTERS:
        if name in filters:
            stmt = stmt.where(column == bindparam(f"f_{name}"))
    if "overdue" in filters:
        stmt = stmt.where(HumanTask.due_at < bindparam("f_overdue", type_=HumanTask.due_at.type))
    return stmt


def list_tasks(session: Session, user: User, scope: str = "mine", filters: TaskFilters | None = None,
               cursor: str | None = None, limit: int = 50, rows: bool = False) -> Page:
    """Open tasks by deadline (tasks without a deadline last), then by id; keyset paged. With rows=True the items
    are plain rows of the columns a task's JSON shows (SHOWN_COLUMNS), not ORM objects, read as Core on the session's
    connection (no autoflush first): for read-only answers."""
    limit = max(1, min(limit, 200))
    if scope == "overdue":
        return _overdue(session, user, filters or TaskFilters(), cursor, limit, rows)
    kind, values = _scoped(user, scope)
    names, more = _filtered(filters or TaskFilters())
    items, next_cursor = soonest_first(session, _statement(kind, names, rows), HumanTask.due_at, HumanTask.id, cursor,
                                       limit, rows, values | more, shape=("tasks", kind, names, rows))
    return Page(items, next_cursor)


def _overdue(session: Session, user: User, filters: TaskFilters, cursor: str | None, limit: int,
             rows: bool) -> Page:
    """Mine and my groups' unclaimed tasks past due: two index-ordered lists merged, not one OR query.

    Each half walks its own (state, assignee|group, due) index, so the page stays fast when tens of thousands of
    tasks are late; the order is the same as one query (deadline, then id).
    """
    late = replace(filters, overdue=True)
    halves = [list_tasks(session, user, scope, late, cursor, limit, rows) for scope in ("mine", "group")]
    merged = sorted((t for half in halves for t in half.items), key=lambda t: (t.due_at, t.id))
    more = len(merged) > limit or any(half.next_cursor for half in halves)
    items = merged[:limit]
    last = items[-1] if items else None
    return Page(items, encode_cursor(0, last.due_at, last.id) if more and last else None)


def counts(session: Session, user: User) -> dict[str, int]:
    """My open and overdue task counts (header badge)."""

    mine = select(func.count()).select_from(HumanTask).where(
        HumanTask.state == "open", HumanTask.assignee == user.username)
    overdue = mine.where(HumanTask.due_at < now())
    return {"open": session.scalar(mine) or 0, "overdue": session.scalar(overdue) or 0}


def group_members(session: Session, group_keys: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Active members (username, display name) of each group, for a supervisor's reassign menu."""
    if not group_keys:
        return {}
    rows = session.execute(
        select(Group.key, User.username, User.display_name).join(Membership, Membership.group_id == Group.id)
        .join(User, User.id == Membership.user_id).where(Group.key.in_(sorted(group_keys)), User.is_active)
        .order_by(User.username)).all()
    result: dict[str, list[tuple[str, str]]] = {}
    for key, username, name in rows:
        result.setdefault(key, []).append((username, name or username))
    return result
