"""Studio drafts: an owner's unsaved files of one process (nothing runs from a draft)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


class ProcessDraft(db.Model):  # type: ignore[name-defined,misc]
    """The files an owner is editing for one process: diagrams and forms, as text."""

    __tablename__ = "process_draft"
    __table_args__ = (UniqueConstraint("owner", "process_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    process_key: Mapped[str] = mapped_column(String(200))
    base_version: Mapped[int] = mapped_column()
    files: Mapped[dict[str, str]] = mapped_column(JsonType)
    forms: Mapped[dict[str, str]] = mapped_column(JsonType)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
