"""The keys intake offers and accepts: the admin's active rows, or the pack's defaults before any are kept."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from webapp.config import ROOT
from webapp.errors import Invalid
from webapp.masterdata.kinds import defaults
from webapp.masterdata.models import MasterItem


@dataclass(frozen=True)
class Choice:
    """One option of a choice list."""

    key: str
    name_en: str
    name_zh: str
    attrs: dict[str, Any]

    def name(self, locale: str) -> str:
        """The name in a language (Chinese when kept, else English)."""
        return self.name_zh if locale.startswith("zh") and self.name_zh else self.name_en


@functools.lru_cache(maxsize=1)
def _pack_defaults() -> tuple[tuple[str, Choice], ...]:
    rows = defaults(ROOT / "processes", ROOT / "forms")
    return tuple((kind, Choice(key, en, zh, attrs)) for kind, key, en, zh, attrs in rows)


def choices(session: Session, kind: str) -> list[Choice]:
    """Active rows of a kind; the pack's defaults when the admin keeps none of that kind yet."""
    return choices_of(session, [kind])[kind]


def choices_of(session: Session, kinds: list[str]) -> dict[str, list[Choice]]:
    """choices() of several kinds, every row of them in one round trip (kept rows of a kind decide)."""
    kept: dict[str, list[Any]] = {kind: [] for kind in kinds}
    for row in session.execute(_OF_KIND.where(MasterItem.kind.in_(kinds))):
        kept[row.kind].append(row)
    return {kind: [Choice(r.key, r.name_en, r.name_zh, dict(r.attrs or {})) for r in rows if r.active] if rows
            else [c for k, c in _pack_defaults() if k == kind] for kind, rows in kept.items()}


_OF_KIND = select(MasterItem.kind, MasterItem.key, MasterItem.name_en, MasterItem.name_zh, MasterItem.attrs,
                  MasterItem.active).order_by(MasterItem.key)


def attribute(session: Session, kind: str, key: str, name: str) -> Any:
    """One stored attribute of a row (active or not), else of the pack's default of that key; None if neither."""
    row = session.execute(_ATTRS, {"kind": kind, "key": key}).first()
    if row is not None:
        return (row.attrs or {}).get(name)
    default = next((c for k, c in _pack_defaults() if k == kind and c.key == key), None)
    return default.attrs.get(name) if default is not None else None


# the row's attributes only (a column, not an ORM row to load)
_ATTRS = select(MasterItem.attrs).where(MasterItem.kind == bindparam("kind"), MasterItem.key == bindparam("key"))


def keys(session: Session, kind: str) -> list[str]:
    """The keys of choices(kind)."""
    return [c.key for c in choices(session, kind)]


def require_known(session: Session, values: dict[str, str | None]) -> None:
    """Invalid (422) naming each field whose value is not an active key of its kind {field: kind} -> value."""
    errors: dict[str, str] = {}
    for spec, value in values.items():
        field, _, kind = spec.partition(":")
        if value is None or value == "":
            continue
        known = keys(session, kind)
        if value not in known:
            errors[field] = f"unknown {kind} '{value}': choose one of " + ", ".join(known) if known else \
                f"no {kind} is kept yet: ask the administrator to add '{value}'"
    if errors:
        raise Invalid("choose from the lists", errors)


def unit_members(session: Session, kind: str, key: str) -> tuple[list[str], str | None, str | None]:
    """(members, head, e-mail) of a department or service point; empty when it is not kept."""
    row = session.scalars(select(MasterItem).where(MasterItem.kind == kind, MasterItem.key == key,
                                                   MasterItem.active.is_(True))).first()
    if row is None:
        return [], None, None
    attrs = row.attrs or {}
    return list(attrs.get("members") or []), attrs.get("head"), attrs.get("email")



def bind(session: Session, schema: dict[str, Any]) -> dict[str, Any]:
    """A task form whose fields say `"x-masterdata": "<kind>"` (or a list of kinds) with the kept keys of that kind
    as its choices (enum, English and Chinese titles): offered in the form, refused otherwise (422). A kind with
    nothing kept leaves the field as the form declares it."""
    props = schema.get("properties")
    if not isinstance(props, dict):
        return schema
    wanted = {name: [str(k) for k in ([kinds] if isinstance(kinds, str) else kinds)] for name, prop in props.items()
              if isinstance(prop, dict) and (kinds := prop.get("x-masterdata"))}
    if not wanted:
        return schema
    found = choices_of(session, sorted({kind for kinds in wanted.values() for kind in kinds}))
    bound: dict[str, Any] = {}
    for name, kinds in wanted.items():
        prop = props[name]
        options = [c for kind in kinds for c in found[kind]]
        if options:
            bound[name] = {**prop, "enum": [c.key for c in options], "x-enum-titles": [c.name_en for c in options],
                           "x-enum-titles-zh": [c.name("zh") for c in options]}
    return {**schema, "properties": {**props, **bound}} if bound else schema
