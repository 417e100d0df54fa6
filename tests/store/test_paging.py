"""The one keyset-paging helper: pages cover every row once, newest first, and end with no next key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import User
from webapp.paging import newest_first, page_size


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
