"""Human tasks: user tasks that are (or were) waiting for a person, as the engine's store writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import BigId, JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


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


# the columns a task's JSON shows (webapp.api.shapes.task_json): read-only answers select only these, as plain rows
SHOWN_COLUMNS = ("id", "case_number", "title", "spec_id", "process_key", "group_key", "assignee", "form_key", "state",
                 "customer_name", "kind", "grade", "tier", "category", "created_at", "due_at", "completed_by",
                 "completed_at", "instance_id")
