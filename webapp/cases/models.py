"""The case record: intake facts, the handling results the process records, staff comments and attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import BigId, JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


class Case(db.Model):  # type: ignore[name-defined,misc]
    """One complaint, inquiry, rescue or failure report and where it stands."""

    __tablename__ = "case_record"
    __table_args__ = (
        Index("ix_case_status_id", "status", "id"),
        Index("ix_case_category_subject", "category", "subject", "created_at"),
        Index("ix_case_issue", "issue_key", "created_at"),
        Index("ix_case_customer_phone", "customer_phone"),
        # reports: cases registered in a period, with every column their counts read (index-only on both databases)
        Index("ix_case_registered", "created_at", "status", "closed_at", "grade", "kind", "channel", "category",
              "tier"),
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
    customer_language: Mapped[str | None] = mapped_column(String(5))  # en or zh: customer mail is written in it
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


class Comment(db.Model):  # type: ignore[name-defined,misc]
    """A staff note on a case (internal: never shown on the public status page)."""

    __tablename__ = "case_comment"
    __table_args__ = (Index("ix_case_comment_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)


class Attachment(db.Model):  # type: ignore[name-defined,misc]
    """A file attached to a case; the bytes live under UPLOAD_DIR as `stored_name`."""

    __tablename__ = "case_attachment"
    __table_args__ = (Index("ix_case_attachment_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
