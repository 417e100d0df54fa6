"""The assessment row: one proposal and where it stands (proposed, accepted, rejected, carried out)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import BigId, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


class Assessment(db.Model):  # type: ignore[name-defined,misc]
    """An assessment proposal of a department or service point and its decision and execution."""

    __tablename__ = "assessment"
    __table_args__ = (Index("ix_assessment_state_id", "state", "id"),
                      Index("ix_assessment_proposed", "proposed_at", "target"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="SET NULL"), index=True)
    case_number: Mapped[str | None] = mapped_column(String(40))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id", ondelete="SET NULL"), index=True)
    target: Mapped[str] = mapped_column(String(200))
    target_type: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    proposed_by: Mapped[str] = mapped_column(String(80), default="")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    measure: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    execution_note: Mapped[str | None] = mapped_column(Text)
    executed_by: Mapped[str | None] = mapped_column(String(80))
    executed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
