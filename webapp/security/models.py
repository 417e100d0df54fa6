"""Counted requests per client key (public intake, status look-up, sign-in) for rate limiting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import BigId, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


class RateHit(db.Model):  # type: ignore[name-defined,misc]
    """One counted request of a client (public intake, status look-up, sign-in) for rate limiting."""

    __tablename__ = "rate_hit"
    __table_args__ = (Index("ix_rate_hit_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
