"""Master data rows (one table for every kind, typed attributes per kind) and their change history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import BigId, JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


class MasterItem(db.Model):  # type: ignore[name-defined,misc]
    """One category, department, service point, object or channel; `key` is what cases store."""

    __tablename__ = "master_item"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_master_item_kind_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    attrs: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str] = mapped_column(String(80), default="system")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)


class MasterHistory(db.Model):  # type: ignore[name-defined,misc]
    """One change of a master data row: who, when, what before and after (written once)."""

    __tablename__ = "master_history"
    __table_args__ = (Index("ix_master_history_item", "item_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("master_item.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
