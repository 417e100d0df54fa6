"""Named queues and recipients of departments and service points, resolved from master data (domain §8b: the named
department, not a generic queue; car-maker rules 4.2, 5.3.1; auto-repair rules 二.一.5).

An address is `<kind>:<key>` (the unit's members and head) or `<kind>_head:<key>` (its head only), kind
`department` or `service_point`. The same string is a task's queue (lane/assignGroup: `department_queue(...)`)
and a notice recipient (`to`): who is in it is read from the master data row when asked, so a membership change
applies to open tasks at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from webapp.masterdata.models import MasterItem

KINDS = ("department", "service_point")
PREFIXES = tuple(p for kind in KINDS for p in (f"{kind}:", f"{kind}_head:"))


def parse(address: str | None) -> tuple[str, str, bool] | None:
    """(kind, key, head only) of a unit address, or None when it is not one."""
    prefix, sep, key = (address or "").partition(":")
    if not sep or not key:
        return None
    head = prefix.endswith("_head")
    kind = prefix[: -len("_head")] if head else prefix
    return (kind, key, head) if kind in KINDS else None


def _rows(session: Session, kind: str | None = None, key: str | None = None) -> list[MasterItem]:
    if kind and key is not None:  # one unit (a task's queue, an address): the statement built once
        return list(session.scalars(_UNIT, {"kind": kind, "key": key}))
    stmt = select(MasterItem).where(MasterItem.kind.in_([kind] if kind else KINDS), MasterItem.active.is_(True))
    if key is not None:
        stmt = stmt.where(MasterItem.key == key)
    return list(session.scalars(stmt))


_ONE = (MasterItem.kind == bindparam("kind"), MasterItem.active.is_(True), MasterItem.key == bindparam("key"))
_UNIT = select(MasterItem).where(*_ONE)
_KEPT = select(MasterItem.id).where(*_ONE).limit(1)  # whether it is kept: no row to load


def people_of(attrs: dict[str, Any] | None, head_only: bool) -> list[str]:
    """Usernames of a unit row's attributes: its head, and unless head_only its members."""
    attrs = attrs or {}
    head = [attrs["head"]] if attrs.get("head") else []
    return head if head_only else list(dict.fromkeys([*head, *(attrs.get("members") or [])]))


# every active unit's (kind, key, attrs), read on each worklist and permission check: columns, not ORM rows
_UNITS = select(MasterItem.kind, MasterItem.key, MasterItem.attrs).where(MasterItem.kind.in_(KINDS),
                                                                         MasterItem.active.is_(True))


def queues_of(session: Session, username: str) -> set[str]:
    """The unit queues a user works in: `<kind>:<key>` as member or head, `<kind>_head:<key>` as head."""
    out: set[str] = set()
    for row in session.execute(_UNITS):
        attrs = row.attrs or {}
        if username == attrs.get("head"):
            out.update({f"{row.kind}:{row.key}", f"{row.kind}_head:{row.key}"})
        elif username in (attrs.get("members") or []):
            out.add(f"{row.kind}:{row.key}")
    return out


def people(session: Session, address: str) -> list[str]:
    """Usernames an address reaches (empty when the unit is not kept or inactive)."""
    parsed = parse(address)
    if parsed is None:
        return []
    kind, key, head = parsed
    rows = _rows(session, kind, key)
    return people_of(rows[0].attrs, head) if rows else []


def unit_email(session: Session, address: str) -> str | None:
    """The unit's own e-mail (attribute `email`) for a members address; None for a head address."""
    parsed = parse(address)
    if parsed is None or parsed[2]:
        return None
    rows = _rows(session, parsed[0], parsed[1])
    return (rows[0].attrs or {}).get("email") if rows else None


def kept_addresses(session: Session) -> set[str]:
    """Every address of an active unit (what a deploy accepts as a literal recipient or queue)."""
    return {f"{row.kind}{suffix}:{row.key}" for row in _rows(session) for suffix in ("", "_head")}


def queue_or(session: Session, queue: str | None, fallback: str | None) -> str | None:
    """The queue a task goes to: a department/service point master data keeps (active), else the fallback (the
    lane's group): a unit typed by hand before master data had rows still lands in a queue somebody works."""
    parsed = parse(queue)
    if parsed is None:
        return queue
    kept = session.scalars(_KEPT, {"kind": parsed[0], "key": parsed[1]}).first() is not None
    return queue if kept else fallback
