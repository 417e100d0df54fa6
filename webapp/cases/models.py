"""The case record: intake facts and the handling results the process records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db
from webapp.workflow.models import BigId


class Case(db.Model):  # type: ignore[name-defined,misc]
    """One complaint, inquiry, rescue or failure report and where it stands."""

    __tablename__ = "case_record"
    __table_args__ = (
        Index("ix_case_status_id", "status", "id"),
        Index("ix_case_category_subject", "category", "subject", "created_at"),
        Index("ix_case_issue", "issue_key", "created_at"),
        Index("ix_case_customer_phone", "customer_phone"),
        Index("ix_case_created_at", "created_at"),  # reports: cases registered in a period
        Index("ix_case_closed_at", "closed_at"),  # reports: open at period end
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str | None] = mapped_column(String(30))
    category: Mapped[str | None] = mapped_column(String(80))
    subject: Mapped[str | None] = mapped_column(String(200))
    object_key: Mapped[str | None] = mapped_column(String(80))
    issue_key: Mapped[str | None] = mapped_column(String(120))
    issue_chosen: Mapped[bool] = mapped_column(default=False)
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_phone: Mapped[str | None] = mapped_column(String(50))
    customer_email: Mapped[str | None] = mapped_column(String(254))
    customer_address: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    demand: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    grade: Mapped[str | None] = mapped_column(String(4))
    tier: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="open")
    record: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    registered_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CaseLink(db.Model):  # type: ignore[name-defined,misc]
    """Two cases about the same issue (one issue, many complainants)."""

    __tablename__ = "case_link"
    __table_args__ = (UniqueConstraint("case_id", "other_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(100), default="")
