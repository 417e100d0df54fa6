"""Master data rules: list, create, change, deactivate with history; the keys intake accepts; seeding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.engine.clock import now
from webapp.errors import Invalid, NotFound
from webapp.masterdata.kinds import ATTR_SCHEMAS, ITEM_SCHEMA, KINDS, defaults
from webapp.masterdata.models import MasterHistory, MasterItem
from webapp.models import User
from webapp.workflow.forms import field_errors, validated


def check_kind(kind: str) -> str:
    """The kind, or NotFound naming the kinds there are."""
    if kind not in KINDS:
        raise NotFound(f"no master data kind '{kind}': use one of {', '.join(KINDS)}")
    return kind


def items(session: Session, kind: str, active_only: bool = False) -> list[MasterItem]:
    """Rows of one kind ordered by key."""
    stmt = select(MasterItem).where(MasterItem.kind == check_kind(kind))
    if active_only:
        stmt = stmt.where(MasterItem.active.is_(True))
    return list(session.scalars(stmt.order_by(MasterItem.key)))


def get(session: Session, kind: str, key: str) -> MasterItem:
    """One row by kind and key, or NotFound."""
    row = session.scalars(select(MasterItem).where(MasterItem.kind == check_kind(kind),
                                                   MasterItem.key == key)).first()
    if row is None:
        raise NotFound(f"no {kind} '{key}'")
    return row


def snapshot(row: MasterItem) -> dict[str, Any]:
    """The row as JSON (what the API returns and history keeps)."""
    return {"kind": row.kind, "key": row.key, "name_en": row.name_en, "name_zh": row.name_zh,
            "attrs": dict(row.attrs or {}), "active": row.active}


def _checked(session: Session, kind: str, body: Any, partial: bool) -> dict[str, Any]:
    schema = dict(ITEM_SCHEMA, required=[] if partial else ITEM_SCHEMA["required"])
    data = validated(schema, body)
    if "attrs" in data or not partial:
        attrs = data.get("attrs") or {}
        errors = {f"attrs.{k}" if k else "attrs": v for k, v in field_errors(ATTR_SCHEMAS[kind], attrs).items()}
        errors.update(_unknown_users(session, attrs))
        if errors:
            raise Invalid(f"the {kind} needs fixing", errors)
        data["attrs"] = attrs
    return data


def _unknown_users(session: Session, attrs: dict[str, Any]) -> dict[str, str]:
    names = [n for n in [attrs.get("head"), *(attrs.get("members") or [])] if n]
    if not names:
        return {}
    known = set(session.scalars(select(User.username).where(User.username.in_(names))))
    errors = {}
    if attrs.get("head") and attrs["head"] not in known:
        errors["attrs.head"] = f"no user '{attrs['head']}'"
    missing = [n for n in attrs.get("members") or [] if n not in known]
    if missing:
        errors["attrs.members"] = "no user(s): " + ", ".join(missing)
    return errors


def _history(session: Session, row: MasterItem, actor: str, action: str, before: dict[str, Any] | None) -> None:
    session.add(MasterHistory(item_id=row.id, at=now(), actor=actor, action=action, before=before,
                              after=snapshot(row)))


def create(session: Session, kind: str, body: Any, actor: str) -> MasterItem:
    """Add a row and commit; Invalid (nothing written) when the key is taken or a field is wrong."""
    data = _checked(session, check_kind(kind), body, partial=False)
    if session.scalars(select(MasterItem.id).where(MasterItem.kind == kind, MasterItem.key == data["key"])).first():
        raise Invalid(f"{kind} '{data['key']}' exists already", {"key": "choose another key"})
    row = MasterItem(kind=kind, key=data["key"], name_en=data["name_en"], name_zh=data.get("name_zh", ""),
                     attrs=data["attrs"], active=data.get("active", True), updated_by=actor, updated_at=now())
    session.add(row)
    session.flush()
    _history(session, row, actor, "created", None)
    session.commit()
    return row


def update(session: Session, kind: str, key: str, body: Any, actor: str) -> MasterItem:
    """Change names, attributes or the active flag and commit (the key stays: cases refer to it); history kept."""
    row = get(session, kind, key)
    data = _checked(session, kind, body, partial=True)
    if data.get("key", key) != key:
        raise Invalid("the key cannot change: cases refer to it", {"key": f"keep '{key}'"})
    before = snapshot(row)
    for field in ("name_en", "name_zh", "attrs", "active"):
        if field in data:
            setattr(row, field, data[field])
    if snapshot(row) == before:
        return row
    row.updated_by, row.updated_at = actor, now()
    action = "updated" if before["active"] == row.active else ("reactivated" if row.active else "deactivated")
    _history(session, row, actor, action, before)
    session.commit()
    return row


def history(session: Session, kind: str, key: str) -> list[MasterHistory]:
    """The row's changes, newest first."""
    row = get(session, kind, key)
    stmt = select(MasterHistory).where(MasterHistory.item_id == row.id).order_by(MasterHistory.id.desc())
    return list(session.scalars(stmt))


def seed_defaults(session: Session, processes_dir: Path, forms_dir: Path, actor: str = "system") -> int:
    """Add the pack's vocabularies that are missing (existing rows are left as the admin keeps them)."""
    added = 0
    for kind, key, name_en, name_zh, attrs in defaults(processes_dir, forms_dir):
        exists = session.scalars(select(MasterItem.id).where(MasterItem.kind == kind, MasterItem.key == key)).first()
        if not exists:
            create(session, kind, {"key": key, "name_en": name_en, "name_zh": name_zh, "attrs": attrs}, actor)
            added += 1
    return added
