"""The outbox (mail, webhook and in-app messages written in the engine's transaction) and group-notice read marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import BigId, JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


class Outbox(db.Model):  # type: ignore[name-defined,misc]
    """A message to deliver (mail, webhook, in-app), written in the engine's transaction."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(300))
    template: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=now)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())



class NoticeRead(db.Model):  # type: ignore[name-defined,misc]
    """One user has read one group notice (user notices use outbox.read_at instead)."""

    __tablename__ = "notice_read"
    __table_args__ = (UniqueConstraint("outbox_id", "username"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(80), index=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
