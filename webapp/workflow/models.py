"""Process instances and their side tables: human tasks, timers, outbox and the event history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db_types import JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db

BigId = BigInteger().with_variant(Integer(), "sqlite")
STATUSES = ("running", "waiting", "user_input", "complete", "error", "suspended", "terminated")


class Instance(db.Model):  # type: ignore[name-defined,misc]
    """One running (or finished) workflow: the serialized state plus derived status."""

    __tablename__ = "instance"
    __table_args__ = (Index("ix_instance_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    state: Mapped[str | None] = mapped_column(Text)
    lock_version: Mapped[int] = mapped_column(default=1)
    error: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    pending_action: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    status_before_suspend: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    created_by: Mapped[str] = mapped_column(String(80), default="system")
    __mapper_args__ = {"version_id_col": lock_version}
    definition = relationship("ProcessDefinition", lazy="joined")


class HumanTask(db.Model):  # type: ignore[name-defined,misc]
    """A user task that is (or was) waiting for a person; worklists read only this table."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_open_group_due", "state", "group_key", "due_at", "id"),
        Index("ix_human_task_open_assignee_due", "state", "assignee", "due_at", "id"),
        Index("ix_human_task_instance", "instance_id", "state"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    case_number: Mapped[str | None] = mapped_column(String(40))
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    spec_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    process_key: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(200))
    group_key: Mapped[str | None] = mapped_column(String(80))
    escalated_group: Mapped[str | None] = mapped_column(String(80))  # moved up by a missed deadline: stays there
    assignee: Mapped[str | None] = mapped_column(String(80))
    form_key: Mapped[str | None] = mapped_column(String(200))
    clock: Mapped[str | None] = mapped_column(String(80))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(30))
    grade: Mapped[str | None] = mapped_column(String(4))
    tier: Mapped[int | None] = mapped_column()
    category: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(80))
    draft: Mapped[dict[str, Any] | None] = mapped_column(JsonType)


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
