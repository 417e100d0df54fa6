"""A loaded ORM row's pending column changes, for writing them with a Core statement instead of a flush."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import ColumnProperty
from sqlalchemy.orm.attributes import NO_VALUE, set_committed_value


def column_changes(row: Any) -> dict[str, Any] | None:
    """The changed columns of a persistent row, by column key ({}: none; None: a row only the ORM can write: a new
    one, a versioned one, one with a change to a relationship or to a column under another name)."""
    state = inspect(row)
    if not state.persistent or state.mapper.version_id_col is not None:
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
    """The row holds `values` as written (the changes column_changes found, just written), and the columns set back
    to what was loaded as unchanged: nothing left for the next flush, and the row is not dirty any more either."""
    state = inspect(row)
    for key in list(state.committed_state):
        set_committed_value(row, key, values[key] if key in values else state.dict.get(key))
    if state.session is not None:
        state._commit_all(state.dict, state.session.identity_map)
