"""Versioned process definitions: the deployed diagrams and forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


class ProcessDefinition(db.Model):  # type: ignore[name-defined,misc]
    """One version of one process: its source files, forms and content hash."""

    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        Index("ix_process_definition_key_hash", "key", "content_hash"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict[str, Any]] = mapped_column(JsonType)
    forms: Mapped[dict[str, Any]] = mapped_column(JsonType)
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    deployed_by: Mapped[str] = mapped_column(String(80), default="system")
    comment: Mapped[str | None] = mapped_column(Text)  # what the owner said about this version
