"""The administrators' audit log: write one entry per action, list with filters, export as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from webapp.admin.models import AuditEntry
from webapp.engine.clock import now
from webapp.models import Case, Instance
from webapp.paging import newest_first, oldest_first_batches

CSV_COLUMNS = ("id", "at", "actor", "action", "instance_id", "case_number", "process_key", "target", "reason",
               "result", "message", "before", "after", "bulk_id")


def record(session: Session, actor: str, action: str, instance: Instance | None, reason: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None, *, case: Case | None = None,
           target: str | None = None, result: str = "ok", message: str | None = None,
           bulk_id: str | None = None) -> AuditEntry:
    """Add one audit entry to the caller's transaction."""
    if case is None and instance is not None:
        case = session.scalars(select(Case).where(Case.instance_id == instance.id)).first()
    entry = AuditEntry(
        at=now(), actor=actor, action=action, instance_id=instance.id if instance else None,
        case_number=case.number if case else None, process_key=instance.process_key if instance else None,
        target=target, reason=reason, result=result, message=message, before=_plain(before),
        after=_plain(after), bulk_id=bulk_id,
    )
    session.add(entry)
    return entry


@dataclass
class AuditFilters:
    """What the audit list is narrowed to."""

    actor: str | None = None
    action: str | None = None
    instance_id: int | None = None
    case_number: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    bulk_id: str | None = None


def _query(filters: AuditFilters) -> Select[Any]:
    stmt = select(AuditEntry)
    if filters.actor:
        stmt = stmt.where(AuditEntry.actor == filters.actor)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.instance_id:
        stmt = stmt.where(AuditEntry.instance_id == filters.instance_id)
    if filters.case_number:
        stmt = stmt.where(AuditEntry.case_number == filters.case_number)
    if filters.since:
        stmt = stmt.where(AuditEntry.at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEntry.at < filters.until)
    if filters.bulk_id:
        stmt = stmt.where(AuditEntry.bulk_id == filters.bulk_id)
    return stmt


def list_entries(session: Session, filters: AuditFilters, before_id: int | None = None,
                 limit: int = 50) -> tuple[list[AuditEntry], int | None]:
    """Newest first, keyset-paged by id; returns the page and the id to continue before (or None)."""
    return newest_first(session, _query(filters), AuditEntry.id, before_id, limit)


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    """An audit entry as JSON."""
    return {
        "id": entry.id, "at": entry.at.isoformat() if entry.at else None, "actor": entry.actor,
        "action": entry.action, "instance_id": entry.instance_id, "case_number": entry.case_number,
        "process": entry.process_key, "target": entry.target, "reason": entry.reason, "result": entry.result,
        "message": entry.message, "before": entry.before, "after": entry.after, "bulk_id": entry.bulk_id,
    }


def export_csv(session: Session, filters: AuditFilters, batch: int = 500) -> Iterator[str]:
    """The filtered audit log as CSV text chunks, oldest first (streamed in batches)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    for rows in oldest_first_batches(session, _query(filters), AuditEntry.id, batch):
        for e in rows:
            writer.writerow([
                e.id, e.at.isoformat() if e.at else "", e.actor, e.action, e.instance_id or "",
                e.case_number or "", e.process_key or "", e.target or "", _cell(e.reason), e.result,
                _cell(e.message or ""), _json(e.before), _json(e.after), e.bulk_id or "",
            ])
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in free text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _json(value: Any) -> str:
    return "" if value is None else _cell(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON-safe copy (datetimes and other objects as text)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))  # type: ignore[no-any-return]


def actions_used(session: Session, known: tuple[str, ...]) -> list[str]:
    """The known repair actions and every other action the log holds (migrate, user and group changes ...)."""
    found = {a for (a,) in session.execute(select(AuditEntry.action).distinct())}
    return [*known, *sorted(found - set(known))]


def actors(session: Session) -> list[str]:
    """Everyone who appears in the audit log (for the filter form)."""
    return sorted(a for (a,) in session.execute(select(AuditEntry.actor).distinct()))
