"""The lesson row: what step 6 (summary and reflection) learned from a case, and its improvement's progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import BigId, JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


class Lesson(db.Model):  # type: ignore[name-defined,misc]
    """Cause, risk and improvement of one reviewed case; the improvement has an owner, a due date and a state."""

    __tablename__ = "lesson"
    __table_args__ = (Index("ix_lesson_category_subject", "category", "subject", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="SET NULL"), index=True)
    case_number: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(80))
    subject: Mapped[str | None] = mapped_column(String(200))
    cause: Mapped[str] = mapped_column(Text)
    risk: Mapped[str] = mapped_column(Text)
    improvement: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(80), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    linked_cases: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    state: Mapped[str] = mapped_column(String(20), default="open")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    done_by: Mapped[str | None] = mapped_column(String(80))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
