"""A loaded ORM row's pending column changes, for writing them with a Core statement instead of a flush."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import ColumnProperty
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value


def column_changes(row: Any) -> dict[str, Any] | None:
    """The changed columns of a persistent row, by column key ({} or None: nothing, or a change only the ORM can
    write: a new row, a relationship, a versioned row, a column under another name)."""
    state = inspect(row)
    if not state.committed_state or not state.persistent or state.mapper.version_id_col is not None:
        return None
    attrs = state.mapper.attrs
    values: dict[str, Any] = {}
    for key in state.committed_state:
        prop = attrs.get(key)
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1 or prop.columns[0].key != key:
            return None
        value, before = state.dict.get(key), state.committed_state[key]
        if before is NO_VALUE or not prop.columns[0].type.compare_values(before, value):
            values[key] = value  # as the ORM does: a value set back to what was loaded is no change
    return values


def mark_written(row: Any, values: dict[str, Any]) -> None:
    """The row holds `values` as written: no change left for the next flush (nor an UPDATE of its own)."""
    for key, value in values.items():
        set_committed_value(row, key, value)
