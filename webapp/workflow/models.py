"""Process definitions, instances and their side tables: timers and the event history (tasks/, outbox/ own theirs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db_types import BigId, JsonType, StateBytes, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db

STATUSES = ("running", "waiting", "user_input", "complete", "error", "suspended", "terminated")


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
    # the diagrams and forms (hundreds of KB of JSON) load when first read, not with every instance that joins its
    # definition: parsed specs and forms are cached per version (webapp.workflow.definitions)
    files: Mapped[dict[str, Any]] = mapped_column(JsonType, deferred=True)
    forms: Mapped[dict[str, Any]] = mapped_column(JsonType, deferred=True)
    form_files: Mapped[dict[str, str] | None] = mapped_column(JsonType, deferred=True)  # the forms as written (export)
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    deployed_by: Mapped[str] = mapped_column(String(80), default="system")
    comment: Mapped[str | None] = mapped_column(Text)  # what the owner said about this version


class Instance(db.Model):  # type: ignore[name-defined,misc]
    """One running (or finished) workflow: the serialized state plus derived status."""

    __tablename__ = "instance"
    __table_args__ = (Index("ix_instance_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    state: Mapped[bytes | None] = mapped_column(StateBytes)  # zlib JSON (webapp/engine/serializer.py)
    lock_version: Mapped[int] = mapped_column(default=1)
    error: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    pending_action: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    status_before_suspend: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    created_by: Mapped[str] = mapped_column(String(80), default="system")
    __mapper_args__ = {"version_id_col": lock_version}
    definition = relationship("ProcessDefinition", lazy="joined")


class Timer(db.Model):  # type: ignore[name-defined,misc]
    """A waiting timer event with its absolute due time."""

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_state_due", "state", "due_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    spec_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300), default="")
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Event(db.Model):  # type: ignore[name-defined,misc]
    """Append-only history: who did what to which instance, when, with what data."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_instance_id", "instance_id", "id"), Index("ix_event_case_id", "case_id", "id"),
                      Index("ix_event_case_kind", "case_id", "kind"),  # reports: reopened, escalated, repeats
                      Index("ix_event_kind_at", "kind", "at", "case_id"))  # reports: surveys recorded in a period
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(60))
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_name: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
