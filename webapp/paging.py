"""Keyset paging: the one helper every paged list uses (no OFFSET, stable under inserts).

Four orders: newest first by id (`newest_first`), soonest first by a due time with the undated rows last
(`soonest_first`, an opaque cursor), oldest first in batches for exports (`oldest_first_batches`), and
alphabetical by a unique text key (`alphabetical`, e.g. users by username).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Hashable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from webapp.errors import Invalid
from webapp.security.limits import check_int, day_in_range


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


def alphabetical(session: Session, stmt: Select[tuple[Any]], key: InstrumentedAttribute[str], after: str | None,
                 limit: int) -> tuple[list[Any], str | None]:
    """One page of `stmt` by the unique text `key` ascending, after `after`; returns it and the key to continue
    after (None on the last page)."""
    if after:
        stmt = stmt.where(key > after)
    items = list(session.scalars(stmt.order_by(key).limit(limit + 1)))
    if len(items) <= limit:
        return items, None
    return items[:limit], getattr(items[limit - 1], key.key)


def encode_cursor(phase: int, due: datetime | None, ident: int) -> str:
    """Opaque cursor for (phase, due, id)."""
    raw = json.dumps([phase, due.isoformat() if due else None, ident]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, datetime | None, int]:
    """Inverse of encode_cursor; Invalid on garbage."""
    try:
        phase, due, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = datetime.fromisoformat(due) if due else None
        if when is not None and not day_in_range(when.date()):  # year 1 or 9999 overflowed converting to UTC
            raise ValueError(due)
        return check_int("cursor", int(phase)), when, check_int("cursor", int(ident))
    except (ValueError, TypeError):
        raise Invalid("bad cursor", {"cursor": "use the next_cursor value of the previous page"}) from None


def id_cursor(ident: int | None) -> str | None:
    """The opaque cursor of a newest-first page continuing before `ident` (None: no next page)."""
    return encode_cursor(0, None, ident) if ident else None


def id_from_cursor(cursor: str | None) -> int | None:
    """The id a newest-first cursor continues before (None: the first page)."""
    return decode_cursor(cursor)[2] if cursor else None


def soonest_first(session: Session, stmt: Select[Any], due: InstrumentedAttribute[Any],
                  key: InstrumentedAttribute[int], cursor: str | None, limit: int, rows: bool = False,
                  params: dict[str, Any] | None = None, shape: Hashable | None = None) -> tuple[list[Any], str | None]:
    """One page of `stmt` by `due` ascending, then `key`; the rows without a due time come last, by `key`.

    Two index-ordered phases instead of one NULLS LAST sort; returns the page and the next page's cursor (None
    on the last page). With rows=True `stmt` selects columns (`due` and `key` among them) and the page is plain
    rows, run as Core on the session's connection (no ORM work). `params` are the values of `stmt`'s bound
    parameters (the phases add `after_due`, `after_key` and `page_limit`). With a `shape` (hashable, naming what
    `stmt` selects and filters: the caller's promise that equal shapes are equal statements) the phases' statements
    are built once per shape: SQLAlchemy then finds their compiled form by identity, where a statement built anew
    costs its construction and a new cache key each time (about as much as running it on SQLite).
    """
    phase, after_due, after_key = decode_cursor(cursor) if cursor else (0, None, 0)
    values = dict(params or {})
    items: list[Any] = []
    if phase == 0:
        values.update(after_due=after_due, after_key=after_key, page_limit=limit + 1)
        items = _fetch(session, _phase(stmt, due, key, 0, after_due is not None, shape), rows, values)
        if len(items) > limit:
            last = items[limit - 1]
            return items[:limit], encode_cursor(0, getattr(last, due.key), getattr(last, key.key))
        after_key = 0
    rest = limit - len(items)
    values.update(after_key=after_key, page_limit=rest + 1)
    tail = _fetch(session, _phase(stmt, due, key, 1, True, shape), rows, values)
    items.extend(tail[:rest])
    if len(tail) <= rest:
        return items, None
    return items, encode_cursor(1, None, getattr(tail[rest - 1], key.key) if rest else 0)


_PHASES: dict[tuple[Any, ...], Select[Any]] = {}  # (shape, due, key, phase, after): the phase's statement


def _phase(stmt: Select[Any], due: InstrumentedAttribute[Any], key: InstrumentedAttribute[int], phase: int,
           after: bool, shape: Hashable | None) -> Select[Any]:
    """Phase 0 (dated rows, by due then key, after the cursor's (due, key) when `after`) or phase 1 (undated rows
    after the cursor's key), limited to `page_limit`; built once per shape when there is one."""
    memo = (shape, due.key, key.key, phase, after)
    if shape is not None and (found := _PHASES.get(memo)) is not None:
        return found
    if phase == 0:
        built = stmt.where(due.is_not(None))
        if after:
            after_due = bindparam("after_due", type_=due.type)
            built = built.where(or_(due > after_due, and_(due == after_due, key > bindparam("after_key"))))
        built = built.order_by(due, key)
    else:
        built = stmt.where(due.is_(None), key > bindparam("after_key")).order_by(key)
    built = built.limit(bindparam("page_limit", type_=Integer))
    if shape is not None:
        _PHASES[memo] = built
    return built


def _fetch(session: Session, stmt: Select[Any], rows: bool, params: dict[str, Any]) -> list[Any]:
    if rows:
        return list(session.connection().execute(stmt, params))
    return list(session.scalars(stmt, params))


def oldest_first_batches(session: Session, stmt: Select[tuple[Any]], key: InstrumentedAttribute[int],
                         batch: int = 500) -> Iterator[list[Any]]:
    """Every row of `stmt` by `key` ascending, `batch` rows per query (exports that stream)."""
    last = 0
    while rows := list(session.scalars(stmt.where(key > last).order_by(key).limit(batch))):
        yield rows
        last = getattr(rows[-1], key.key)
