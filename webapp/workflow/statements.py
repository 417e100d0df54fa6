"""The statements a transition's rows are written with: built once per shape (SQLAlchemy's compiled cache serves
them), on PostgreSQL combined into one statement of data-modifying CTEs (webapp.workflow.rows writes them)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from webapp.models import HumanTask, Instance, Timer

Shape = tuple[str, ...] | tuple[str, tuple[str, ...]] | tuple[str, str, str, tuple[str, ...]]
TABLES = Instance.__table__.metadata.tables  # every table by name: a shape names its table


def statement(shape: Shape | Any, guard: Any = None) -> Any:
    """The statement of one shape (see Rows._parts), or the statement itself; `guard`, a condition every row
    it writes must meet (the instance's UPDATE having changed its row)."""
    if not isinstance(shape, tuple):
        return shape
    if shape == ("ended",):
        return _ended_statement(guard)
    if shape == ("tasks",):
        return _tasks_statement(guard)
    if shape == ("cancelled",):
        return _cancelled_statement(guard)
    if shape[0] == "instance":
        return instance_statement(shape[1])  # type: ignore[arg-type]
    if shape[0] == "update":
        _, n, name, columns = shape
        return update_statement(TABLES[name], columns, f"u{n}_", guard)  # type: ignore[arg-type]
    name, keys = shape
    return _insert_statement(TABLES[name], keys, guard)  # type: ignore[arg-type]


@lru_cache(maxsize=512)
def combined(shapes: tuple[Shape, ...]) -> Any:
    """One statement for these shapes, built once. Led by the instance's version-checked UPDATE, it writes the other
    rows only if that changed the row (so a losing concurrent attempt never reaches a unique key the winner wrote)
    and returns how many instance rows it changed: 1, or 0 for a concurrent writer's win."""
    if shapes[0][0] != "instance":
        return combine([statement(shape) for shape in shapes])
    changed = statement(shapes[0]).cte("inst")
    guard = select(changed.c.id).exists()
    main = select(func.count()).select_from(changed)
    for n, shape in enumerate(shapes[1:]):
        main = main.add_cte(statement(shape, guard).cte(f"rows_{n}"))
    return main


def combine(statements: list[Any]) -> Any:
    """The statements as one: the others as data-modifying CTEs of the last (one round trip, not up to four)."""
    *first, last = statements
    for n, stmt in enumerate(first):
        last = last.add_cte(stmt.cte(f"rows_{n}"))
    return last


@lru_cache(maxsize=8)
def _ended_statement(guard: Any = None) -> Any:
    """UPDATE timer SET state, fired_at FROM unnest(ids, states, fired_ats): every ended timer in one statement."""
    table = Timer.__table__
    arrays = [bindparam(f"ended_{key}", type_=ARRAY(table.c[key].type)) for key in ("id", "state", "fired_at")]
    source = func.unnest(*arrays).table_valued("id", "state", "fired_at").render_derived()
    return (update(table).where(table.c.id == source.c.id, *_guarded(guard))
            .values(state=source.c.state, fired_at=source.c.fired_at))


@lru_cache(maxsize=8)
def _cancelled_statement(guard: Any = None) -> Any:
    """UPDATE timer SET state 'cancelled' FROM unnest(instance ids, task ids): waiting timers named by task id."""
    table = Timer.__table__
    keys = ("instance_id", "task_id")
    arrays = [bindparam(f"cancelled_{key}", type_=ARRAY(table.c[key].type)) for key in keys]
    source = func.unnest(*arrays).table_valued(*keys).render_derived()
    return (update(table).where(table.c.instance_id == source.c.instance_id, table.c.task_id == source.c.task_id,
                                table.c.state == "waiting", *_guarded(guard))
            .values(state="cancelled", fired_at=None))


@lru_cache(maxsize=8)
def _tasks_statement(guard: Any = None) -> Any:
    """UPDATE human_task SET state, completed_at, completed_by FROM unnest(...): every ended task in one statement."""
    table = HumanTask.__table__
    keys = ("id", "state", "completed_at", "completed_by")
    arrays = [bindparam(f"tasks_{key}", type_=ARRAY(table.c[key].type)) for key in keys]
    source = func.unnest(*arrays).table_valued(*keys).render_derived()
    return (update(table).where(table.c.id == source.c.id, *_guarded(guard))
            .values(state=source.c.state, completed_at=source.c.completed_at, completed_by=source.c.completed_by))


@lru_cache(maxsize=128)
def update_statement(table: Table, keys: tuple[str, ...], prefix: str = "", guard: Any = None) -> Any:
    """UPDATE <table> SET <keys> WHERE id = :<prefix>row_id, bound as <prefix><key> (or new_<key> without prefix)."""
    names = {key: f"{prefix or 'new_'}{key}" for key in keys}
    row_id = bindparam(f"{prefix}row_id", type_=table.c.id.type)
    return (update(table).where(table.c.id == row_id, *_guarded(guard))
            .values({table.c[key]: bindparam(names[key], type_=table.c[key].type) for key in keys}))


@lru_cache(maxsize=128)
def instance_statement(keys: tuple[str, ...]) -> Any:
    """UPDATE instance SET <keys> WHERE id = :inst_b_id AND lock_version = :inst_b_version RETURNING id."""
    table = Instance.__table__
    return (update(table).where(table.c.id == bindparam("inst_b_id", type_=table.c.id.type),
                                table.c.lock_version == bindparam("inst_b_version", type_=table.c.lock_version.type))
            .values({table.c[key]: bindparam(f"inst_{key}", type_=table.c[key].type) for key in keys})
            .returning(table.c.id))


def _guarded(guard: Any) -> list[Any]:
    return [] if guard is None else [guard]


@lru_cache(maxsize=128)
def _insert_statement(table: Table, keys: tuple[str, ...], guard: Any = None) -> Any:
    """INSERT ... SELECT FROM jsonb_array_elements(<the rows as one JSON array>) WITH ORDINALITY: the rows in their
    order, from one parameter per table (see rows_json): psycopg dumps one string, not an array per column, which
    it escapes element by element in Python. A JSON column takes the element's JSON value (None: JSON null, as the
    JSON type binds it); another column its text cast to the column's type (a string column's length is checked
    by the INSERT, as for a bound value)."""
    source = (func.jsonb_array_elements(cast(bindparam(f"{table.name}_rows", type_=Text()), JSONB()))
              .table_valued("value", with_ordinality="cl_n").render_derived())
    value = type_coerce(source.c.value, JSONB())
    picked = select(*(_pick(value, table.c[key]) for key in keys)).where(*_guarded(guard)).order_by(source.c.cl_n)
    return insert(table).from_select([table.c[key] for key in keys], picked)


def _pick(value: Any, column: Any) -> Any:
    key: Any = literal_column("'" + column.key.replace("'", "''") + "'")
    if isinstance(column.type, JSON):
        return value.op("->", return_type=JSONB())(key)
    target = String() if isinstance(column.type, String) else column.type
    return cast(value.op("->>", return_type=Text())(key), target)


def rows_json(rows: list[dict[str, Any]]) -> str:
    """The rows of an INSERT shape as one JSON array: datetimes as ISO 8601 UTC (a naive one is UTC, as UtcDateTime
    binds it); every other value as the JSON type would write it (json.dumps, which refuses what it cannot write)."""
    return json.dumps([{key: _utc_iso(value) if isinstance(value, datetime) else value for key, value in row.items()}
                       for row in rows])


def _utc_iso(value: datetime) -> str:
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()


def with_defaults(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the column defaults filled in (a CTE's INSERT gets no Python-side defaults from SQLAlchemy)."""
    missing = [c for c in table.c if c.default is not None and c.key not in rows[0]]
    filled = []
    for row in rows:
        extra = {c.key: c.default.arg(None) if c.default.is_callable else c.default.arg  # type: ignore[union-attr]
                 for c in missing}
        filled.append({**row, **extra})
    return filled
