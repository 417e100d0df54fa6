"""The one keyset-paging helper: pages cover every row once, in their order, and end with no next key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import User
from webapp.paging import (
    decode_cursor,
    id_cursor,
    id_from_cursor,
    newest_first,
    oldest_first_batches,
    page_size,
    soonest_first,
)


def _walk(rows: bool) -> list[int]:
    seen: list[int] = []
    before = None
    while True:
        page, before = newest_first(db.session, select(User, User.username) if rows else select(User), User.id,
                                    before, 3, rows=rows)
        assert 0 < len(page) <= 3
        seen += [(item[0] if rows else item).id for item in page]
        if before is None:
            return seen


def test_pages_cover_every_row_once_newest_first(users: dict[str, Any]) -> None:
    every = sorted(db.session.scalars(select(User.id)), reverse=True)
    assert len(every) > 3
    assert _walk(rows=False) == every
    assert _walk(rows=True) == every
    page, more = newest_first(db.session, select(User), User.id, None, len(every))
    assert len(page) == len(every) and more is None


def test_page_size_is_clamped() -> None:
    assert [page_size(None), page_size(0), page_size(-5), page_size(7), page_size(999), page_size(999, most=500)] \
        == [50, 50, 1, 7, 200, 500]


def _soonest_walk(limit: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page, cursor = soonest_first(db.session, select(User), User.locked_until, User.id, cursor, limit)
        seen += [u.id for u in page]
        if cursor is None:
            return seen


def test_soonest_first_pages_dated_rows_by_time_then_the_undated_by_id(users: dict[str, Any]) -> None:
    every = list(db.session.scalars(select(User).order_by(User.id)))
    assert len(every) >= 9
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    undated = every[:2] + every[8:]  # undated rows on both sides of the dated ones' ids
    for i, u in enumerate(every[2:8]):  # six dated rows, two of them at the same time (the id breaks the tie)
        u.locked_until = start + timedelta(hours=(5 - i) if i != 5 else 0)
    db.session.commit()
    dated = sorted(every[2:8], key=lambda u: (u.locked_until, u.id))
    expected = [u.id for u in dated] + [u.id for u in undated]
    for limit in (1, 2, 3, 4, 5, 6, 7, len(every), len(every) + 1):  # 2, 3 and 6 end the dated rows on a page edge
        assert _soonest_walk(limit) == expected, limit


def test_oldest_first_batches_cover_every_row_once(users: dict[str, Any]) -> None:
    every = sorted(db.session.scalars(select(User.id)))
    batches = list(oldest_first_batches(db.session, select(User), User.id, batch=3))
    assert [u.id for rows in batches for u in rows] == every
    assert all(0 < len(rows) <= 3 for rows in batches)


def test_id_cursors_round_trip() -> None:
    assert id_cursor(None) is None and id_from_cursor(None) is None and id_from_cursor("") is None
    assert id_from_cursor(id_cursor(42)) == 42
    assert decode_cursor(id_cursor(42) or "") == (0, None, 42)
