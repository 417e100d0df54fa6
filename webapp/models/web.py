"""Tables of the web UI: case comments and attachments, per-user read marks of group notices, rate limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db
from webapp.workflow.models import BigId


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


class NoticeRead(db.Model):  # type: ignore[name-defined,misc]
    """One user has read one group notice (user notices use outbox.read_at instead)."""

    __tablename__ = "notice_read"
    __table_args__ = (UniqueConstraint("outbox_id", "username"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(80), index=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)


class RateHit(db.Model):  # type: ignore[name-defined,misc]
    """One counted request of a client (public intake, status look-up, sign-in) for rate limiting."""

    __tablename__ = "rate_hit"
    __table_args__ = (Index("ix_rate_hit_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
