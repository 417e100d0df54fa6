"""Keyset paging, newest first by id: the one helper every paged list uses (no OFFSET, stable under inserts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session


def page_size(value: int | None, default: int = 50, most: int = 200) -> int:
    """A requested page size kept within 1..most (missing or 0 gives the default)."""
    return max(1, min(value or default, most))


def newest_first(session: Session, stmt: Select[*tuple[Any, ...]], key: InstrumentedAttribute[int],
                 before: int | None, limit: int, rows: bool = False) -> tuple[list[Any], int | None]:
    """One page of `stmt` by `key` descending, below `before`; returns it and the key to continue before (None
    on the last page). With rows=True the statement selects several entities: the key is read from the first."""
    if before:
        stmt = stmt.where(key < before)
    ordered = stmt.order_by(key.desc()).limit(limit + 1)
    items: list[Any] = list(session.execute(ordered)) if rows else list(session.scalars(ordered))
    more = len(items) > limit
    items = items[:limit]
    if not more or not items:
        return items, None
    last = items[-1][0] if rows else items[-1]
    return items, getattr(last, key.key)
