"""Rows a transition appends (events, outbox messages, timers), written with one INSERT per table."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from webapp.engine.clock import now
from webapp.models import Case, Event, Instance, Outbox, Timer

# session.info flag: the commit added timers or messages, so the in-process worker wakes (webapp.worker.loop)
WAKE_WORKER = "closeloop_wake"
# session.info flag: the transaction added work, so its commit sends NOTIFY on PostgreSQL (webapp.worker.notify)
NOTIFY_WORK = "closeloop_notify"


def event_row(instance: Instance | None, case: Case | None, actor: str, kind: str,
              data: dict[str, Any] | None = None, task_id: str | None = None,
              task_name: str | None = None) -> dict[str, Any]:
    """The column values of one history event."""
    return {"instance_id": instance.id if instance else None, "case_id": case.id if case else None, "at": now(),
            "actor": actor, "kind": kind, "task_id": task_id, "task_name": task_name, "data": data}


class Rows:
    """Append-only rows of one transition, kept out of the ORM: nothing reads them back in the transaction.

    Write them after the flush that checks the instance version, so a losing concurrent attempt fails there
    before it can hit a unique key (outbox idempotency key, timer task id) the winner wrote.
    """

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.outbox: list[dict[str, Any]] = []
        self.timers: list[dict[str, Any]] = []
        self.ended: list[tuple[int, str, datetime | None]] = []  # waiting timers that fired or were cancelled

    def event(self, instance: Instance | None, case: Case | None, actor: str, kind: str,
              data: dict[str, Any] | None = None, task_id: str | None = None, task_name: str | None = None) -> None:
        """Queue a history event (events keep the order they were queued in)."""
        self.events.append(event_row(instance, case, actor, kind, data, task_id, task_name))

    def message(self, instance: Instance, case: Case | None, channel: str, recipient: str, template: str,
                payload: dict[str, Any], key: str, at: datetime) -> None:
        """Queue an outbox message."""
        self.outbox.append({"instance_id": instance.id, "case_id": case.id if case else None, "channel": channel,
                            "recipient": recipient, "template": template, "payload": payload,
                            "idempotency_key": key, "next_attempt_at": at, "created_at": at})

    def timer(self, instance: Instance, task_id: str, spec_id: str, name: str, due_at: datetime | None) -> None:
        """Queue a waiting timer."""
        self.timers.append({"instance_id": instance.id, "task_id": task_id, "spec_id": spec_id, "name": name,
                            "due_at": due_at})

    def timer_ended(self, timer_id: int, state: str, fired_at: datetime | None) -> None:
        """Queue a waiting timer's end: fired (at `fired_at`) or cancelled."""
        self.ended.append((timer_id, state, fired_at))

    def write(self, session: Session) -> None:
        """Write what is queued and empty the queues: one statement per table (a multi-row INSERT), or on PostgreSQL
        one statement for everything (the others as data-modifying CTEs of the last: one round trip, not up to four)."""
        conn = session.connection()  # Core statements: no ORM bookkeeping for rows nobody reads back
        if self.timers or self.outbox:
            session.info[WAKE_WORKER] = session.info[NOTIFY_WORK] = True
        if conn.dialect.name == "postgresql":
            statements = self._statements() + self._inserts()
            if statements:
                *first, (last, params) = statements
                for n, (stmt, more) in enumerate(first):
                    last = last.add_cte(stmt.cte(f"rows_{n}"))
                    params = params | more
                conn.execute(last, params)
        else:
            for stmt, _ in self._statements():
                conn.execute(stmt)
            for model, rows in ((Timer, self.timers), (Outbox, self.outbox), (Event, self.events)):
                if len(rows) == 1:
                    conn.execute(insert(model.__table__), rows[0])
                elif rows:  # with RETURNING, SQLAlchemy sends one multi-row INSERT ("insertmanyvalues")
                    conn.execute(insert(model.__table__).returning(model.__table__.c.id), list(rows)).all()
        for queue in (self.ended, self.timers, self.outbox, self.events):
            queue.clear()

    def _statements(self) -> list[tuple[Any, dict[str, Any]]]:
        """The timer updates as statements (with no parameters of their own), in writing order."""
        table = Timer.__table__
        out: list[tuple[Any, dict[str, Any]]] = []
        for state, fired_at in dict.fromkeys((state, fired_at) for _, state, fired_at in self.ended):
            ids = [i for i, s, f in self.ended if (s, f) == (state, fired_at)]
            out.append((update(table).where(table.c.id.in_(ids)).values(state=state, fired_at=fired_at), {}))
        return out

    def _inserts(self) -> list[tuple[Any, dict[str, Any]]]:
        """PostgreSQL: the INSERTs of the queued rows (one per table) with their parameters, in writing order."""
        return [_insert_unnest(model.__table__, _with_defaults(model.__table__, rows))
                for model, rows in ((Timer, self.timers), (Outbox, self.outbox), (Event, self.events)) if rows]


def _insert_unnest(table: Table, rows: list[dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
    """PostgreSQL: the rows as one INSERT ... SELECT FROM unnest(<one array per column>), in their order.

    Unlike a multi-row VALUES (which SQLAlchemy compiles anew on every execution), the statement depends only on
    the table and the column names, so its compiled form is cached: the rows travel as array parameters.
    """
    keys = tuple(rows[0])
    if any(tuple(row) != keys for row in rows):
        return insert(table).values(rows), {}  # rows with different columns: the plain multi-row VALUES
    return _unnest_statement(table, keys), {f"{table.name}_{key}": [row[key] for row in rows] for key in keys}


@lru_cache(maxsize=64)
def _unnest_statement(table: Table, keys: tuple[str, ...]) -> Any:
    """The INSERT ... SELECT FROM unnest(...) WITH ORDINALITY of `table`'s columns `keys` (built once)."""
    arrays = [bindparam(f"{table.name}_{key}", type_=ARRAY(table.c[key].type)) for key in keys]
    source = func.unnest(*arrays).table_valued(*keys, with_ordinality="cl_n").render_derived()
    picked = select(*(source.c[key] for key in keys)).order_by(source.c.cl_n)
    return insert(table).from_select([table.c[key] for key in keys], picked)


def _with_defaults(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the column defaults filled in (a CTE's INSERT gets no Python-side defaults from SQLAlchemy)."""
    missing = [c for c in table.c if c.default is not None and c.key not in rows[0]]
    filled = []
    for row in rows:
        extra = {c.key: c.default.arg(None) if c.default.is_callable else c.default.arg  # type: ignore[union-attr]
                 for c in missing}
        filled.append({**row, **extra})
    return filled
