"""SLA clocks: one row per named deadline on a case (T1, T3, T4, T5, K1, K2, G2-d ...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import BigId, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db

DEADLINE_STATES = ("running", "paused", "met", "missed", "cancelled")


class Deadline(db.Model):  # type: ignore[name-defined,misc]
    """A named clock: when it started, when it warns and is due, pauses, and whether it was met or missed."""

    __tablename__ = "deadline"
    __table_args__ = (
        Index("ix_deadline_state_due", "state", "due_at"),
        Index("ix_deadline_late", "state", "stopped_at", "case_id"),  # reports: missed clocks still running
        Index("ix_deadline_state_warn", "state", "warned_at", "warn_at"),
        Index("ix_deadline_instance_name", "instance_id", "name", "state"),
        Index("ix_deadline_case", "case_id", "id"),
        # reports: clocks started in a period, counted and timed from the index alone
        Index("ix_deadline_started", "started_at", "name", "state", "business_time", "used_seconds", "case_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    case_number: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    duration: Mapped[str] = mapped_column(String(40))
    business_time: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(12), default="running")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    budget_seconds: Mapped[float] = mapped_column(default=0.0)
    used_seconds: Mapped[float] = mapped_column(default=0.0)
    segment_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    warn_fraction: Mapped[float] = mapped_column(default=0.8)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paused_total: Mapped[float] = mapped_column(default=0.0)
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    warn_to: Mapped[str | None] = mapped_column(String(500))
    breach_to: Mapped[str | None] = mapped_column(String(500))
    started_by: Mapped[str] = mapped_column(String(80), default="system")
