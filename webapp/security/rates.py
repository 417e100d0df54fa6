"""Rate limits over counted requests (rate_hit rows): one sliding window for the public pages and sign-in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from webapp.engine.clock import now
from webapp.security.models import RateHit


def window_hits(session: Session, key: str, window_seconds: int) -> tuple[int, datetime | None]:
    """How many hits a key has in the window and when the oldest was (older hits are deleted on the way)."""
    since = now() - timedelta(seconds=window_seconds)
    session.execute(delete(RateHit).where(RateHit.key == key, RateHit.at < since))
    count, oldest = session.execute(select(func.count(), func.min(RateHit.at)).where(RateHit.key == key)).one()
    return int(count or 0), oldest


def record_hit(session: Session, key: str) -> None:
    """Count one hit of a key (committed by the caller)."""
    session.add(RateHit(key=key, at=now()))


def allow(session: Session, key: str, limit: int, window_seconds: int) -> bool:
    """Count one request of a client and commit; False when it has made `limit` requests in the window already."""
    if window_hits(session, key, window_seconds)[0] >= limit:
        session.commit()
        return False
    record_hit(session, key)
    session.commit()
    return True
