"""The administrators' audit log: who repaired which instance, when, why, with the data before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import BigId, JsonType, UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db


class AuditReadOnly(RuntimeError):
    """Audit rows are written once and never changed or deleted by the application."""


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """One administrator action on one instance (no foreign key: the entry outlives the instance)."""

    __tablename__ = "admin_audit"
    __table_args__ = (
        Index("ix_admin_audit_instance", "instance_id", "id"),
        Index("ix_admin_audit_actor", "actor", "id"),
        Index("ix_admin_audit_action", "action", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    instance_id: Mapped[int | None] = mapped_column(BigId)
    case_number: Mapped[str | None] = mapped_column(String(40))
    process_key: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(20), default="ok")
    message: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    bulk_id: Mapped[str | None] = mapped_column(String(36), index=True)


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AuditReadOnly(f"audit entry {target.id} cannot be changed")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AuditReadOnly(f"audit entry {target.id} cannot be deleted")


# The database refuses changes too, so that no code path (bulk SQL included) can rewrite history.
SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS admin_audit_no_{op.lower()} BEFORE {op} ON admin_audit "
    "BEGIN SELECT RAISE(ABORT, 'admin_audit rows are read-only'); END"
    for op in ("UPDATE", "DELETE")
]
POSTGRES_GUARDS = [
    "CREATE OR REPLACE FUNCTION admin_audit_read_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'admin_audit rows are read-only'; END $$",
    "CREATE TRIGGER admin_audit_no_change BEFORE UPDATE OR DELETE ON admin_audit "
    "FOR EACH ROW EXECUTE FUNCTION admin_audit_read_only()",
]
for _sql in SQLITE_GUARDS:
    event.listen(AuditEntry.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
for _sql in POSTGRES_GUARDS:
    event.listen(AuditEntry.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql"))


class AdminJob(db.Model):  # type: ignore[name-defined,misc]
    """A bulk admin action run by the worker in the background: the ids, how far it got, the outcomes."""

    __tablename__ = "admin_job"
    __table_args__ = (Index("ix_admin_job_status", "status", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    created_by: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any] | None] = mapped_column(JsonType)  # e.g. a migrate job's {"to_version": 3}
    reason: Mapped[str] = mapped_column(Text)
    bulk_id: Mapped[str] = mapped_column(String(36))
    ids: Mapped[list[int]] = mapped_column(JsonType)
    total: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)  # ids[:position] are done
    counts: Mapped[dict[str, int]] = mapped_column(JsonType)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)  # the first refusals and failures
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, done
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
