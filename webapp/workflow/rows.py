"""Rows a transition appends (events, outbox messages, timers), written with one INSERT per table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from webapp.engine.clock import now
from webapp.models import Case, Event, HumanTask, Instance, Outbox, Timer
from webapp.workflow import statements
from webapp.workflow.changes import column_changes, mark_written

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
        self.tasks: list[tuple[HumanTask, str, datetime, str | None]] = []  # human tasks completed or cancelled
        self.cancelled: list[tuple[int, str]] = []  # waiting timers cancelled by (instance id, task id), unread
        self.new_tasks: list[dict[str, Any]] = []  # human tasks to insert (column values), not ORM rows
        self.loaded: list[Any] = []  # loaded ORM rows (the case) whose column changes go with the write
        self.updates: list[tuple[Table, int, dict[str, Any]]] = []  # their changes at the write: (table, id, values)
        self.instance: tuple[int, int, dict[str, Any]] | None = None  # PostgreSQL: (id, version read, new values)

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

    def timer_cancelled(self, instance: Instance, task_id: str) -> None:
        """Queue the cancel of the instance's waiting timer of a task, by its task id (the row was not read)."""
        self.cancelled.append((instance.id, task_id))

    def task_ended(self, task: HumanTask, state: str, at: datetime, by: str | None) -> None:
        """Queue a human task's end (completed or cancelled); the loaded row says so at once, without an UPDATE of
        its own. Only for a session that does not autoflush until the write: no query in between may miss it."""
        self.tasks.append((task, state, at, by))  # the row stays referenced (and so in the identity map) until then
        for key, value in (("state", state), ("completed_at", at), ("completed_by", by)):
            set_committed_value(task, key, value)

    def task(self, values: dict[str, Any]) -> None:
        """Queue a new human task (its column values). Only for a session that does not autoflush until the write:
        no query in between could see it (nor would one see a pending ORM row without a flush)."""
        self.new_tasks.append(values)

    def instance_update(self, instance_id: int, version: int, values: dict[str, Any]) -> None:
        """PostgreSQL: queue the instance's version-checked UPDATE (values include the new lock_version); the write
        runs it first and every other row only if it changed the row, and raises StaleDataError if it did not."""
        self.instance = (instance_id, version, values)

    def changes_of(self, row: Any) -> None:
        """Write the column changes of a loaded ORM row (the case) with the rest: those made until the write."""
        if not any(known is row for known in self.loaded):
            self.loaded.append(row)

    def write(self, session: Session) -> None:
        """Write what is queued and empty the queues: one statement per table (several rows: one executemany), or on
        PostgreSQL one statement for everything (the others as data-modifying CTEs of the last: one round trip, not up
        to six)."""
        conn = session.connection()  # Core statements: no ORM bookkeeping for rows nobody reads back
        if self.timers or self.outbox:
            session.info[WAKE_WORKER] = session.info[NOTIFY_WORK] = True
        changed = [(row, values) for row in self.loaded if (values := column_changes(row)) is not None]
        self.updates = [(row.__table__, row.id, values) for row, values in changed if values]
        if conn.dialect.name == "postgresql":
            parts = self._parts()
            shapes = tuple(shape for shape, _ in parts)
            if parts and all(isinstance(shape, tuple) for shape in shapes):
                params: dict[str, Any] = {}
                for _, more in parts:
                    params |= more
                written = conn.execute(statements.combined(shapes), params)  # type: ignore[arg-type]
                if self.instance is not None and written.scalar() != 1:
                    self._stale()
            elif parts:  # rows with different columns: a statement built for them, after the instance's UPDATE
                if self.instance is not None:
                    self._write_instance(conn)
                    parts = parts[1:]
                params = {}
                for _, more in parts:
                    params |= more
                conn.execute(statements.combine([statements.statement(shape) for shape, _ in parts]), params)
        else:
            if self.instance is not None:
                self._write_instance(conn)
            for stmt, bound in self._updates():
                conn.execute(stmt, bound)
            for table, row_id, values in self.updates:
                conn.execute(statements.update_statement(table, tuple(values)),
                             {"row_id": row_id} | {f"new_{key}": value for key, value in values.items()})
            for model, rows in ((HumanTask, self.new_tasks), (Timer, self.timers), (Outbox, self.outbox),
                                (Event, self.events)):
                if rows:  # several rows: one executemany (SQLite: no round trip; nothing reads their ids back)
                    conn.execute(_INSERTS[model], rows[0] if len(rows) == 1 else list(rows))
        for row, values in changed:
            mark_written(row, values)
        for queue in (self.tasks, self.cancelled, self.ended, self.new_tasks, self.timers, self.outbox, self.events,
                      self.loaded, self.updates):
            queue.clear()
        self.instance = None

    def _write_instance(self, conn: Any) -> None:
        assert self.instance is not None
        instance_id, version, values = self.instance
        params = {"inst_b_id": instance_id, "inst_b_version": version} | {f"inst_{k}": v for k, v in values.items()}
        if len(conn.execute(statements.instance_statement(tuple(values)), params).all()) != 1:
            self._stale()

    def _stale(self) -> None:
        assert self.instance is not None
        raise StaleDataError(f"instance {self.instance[0]}: lock_version {self.instance[1]} changed under this "
                             "transaction")

    def _updates(self) -> list[tuple[Any, dict[str, Any] | list[dict[str, Any]]]]:
        """SQLite: the human task ends (one executemany), the cancels by task id (one per instance), then the timer
        ends (one per (state, fired_at)): statements built once, with their parameters."""
        out: list[tuple[Any, dict[str, Any] | list[dict[str, Any]]]] = []
        if self.tasks:
            ends = [{"b_id": task.id, "b_state": state, "b_at": at, "b_by": by} for task, state, at, by in self.tasks]
            out.append((_TASK_ENDED, ends[0] if len(ends) == 1 else ends))
        for instance_id in dict.fromkeys(i for i, _ in self.cancelled):
            task_ids = [t for i, t in self.cancelled if i == instance_id]
            out.append((_TIMERS_CANCELLED, {"b_instance_id": instance_id, "b_task_ids": task_ids}))
        for state, fired_at in dict.fromkeys((state, fired_at) for _, state, fired_at in self.ended):
            ids = [i for i, s, f in self.ended if (s, f) == (state, fired_at)]
            out.append((_TIMERS_ENDED, {"b_ids": ids, "b_state": state, "b_fired_at": fired_at}))
        return out

    def _parts(self) -> list[tuple[statements.Shape | Any, dict[str, Any]]]:
        """PostgreSQL: the statements of what is queued, in writing order, as (shape, parameters): a shape is
        ("tasks",) for the human task ends, ("cancelled",) for timer cancels by task id, ("ended",) for the timer
        ends or (table, columns) for an INSERT (or, for rows whose columns differ, the statement itself); statements
        and their combination are built once per shape, so SQLAlchemy's compiled cache serves them (a multi-row
        VALUES would be compiled anew every time)."""
        out: list[tuple[statements.Shape | Any, dict[str, Any]]] = []
        if self.instance is not None:
            instance_id, version, values = self.instance
            out.append((("instance", tuple(values)), {"inst_b_id": instance_id, "inst_b_version": version}
                        | {f"inst_{key}": value for key, value in values.items()}))
        if self.tasks:
            tasks, states, ats, bys = zip(*self.tasks, strict=True)
            out.append((("tasks",), {"tasks_id": [t.id for t in tasks], "tasks_state": list(states),
                                     "tasks_completed_at": list(ats), "tasks_completed_by": list(bys)}))
        if self.cancelled:
            instance_ids, task_ids = zip(*self.cancelled, strict=True)
            out.append((("cancelled",), {"cancelled_instance_id": list(instance_ids),
                                         "cancelled_task_id": list(task_ids)}))
        if self.ended:
            ids, states, fired = zip(*self.ended, strict=True)
            out.append((("ended",), {"ended_id": list(ids), "ended_state": list(states),
                                     "ended_fired_at": list(fired)}))
        for n, (table, row_id, values) in enumerate(self.updates):
            out.append((("update", str(n), table.name, tuple(values)),
                        {f"u{n}_row_id": row_id} | {f"u{n}_{key}": value for key, value in values.items()}))
        for model, queued in ((HumanTask, self.new_tasks), (Timer, self.timers), (Outbox, self.outbox),
                              (Event, self.events)):
            if not queued:
                continue
            table = model.__table__
            rows = statements.with_defaults(table, queued)
            keys = tuple(rows[0])
            if any(tuple(row) != keys for row in rows):
                out.append((insert(table).values(rows), {}))
            else:
                out.append(((table.name, keys), {f"{table.name}_rows": statements.rows_json(rows)}))
        return out


# SQLite's statements, built once: SQLAlchemy computes a statement's cache key once per object (not per execute)
_INSERTS = {model: insert(model.__table__) for model in (HumanTask, Timer, Outbox, Event)}
_TASKS, _TIMERS = HumanTask.__table__, Timer.__table__
_TASK_ENDED = (update(_TASKS).where(_TASKS.c.id == bindparam("b_id", type_=_TASKS.c.id.type))
               .values(state=bindparam("b_state", type_=_TASKS.c.state.type),
                       completed_at=bindparam("b_at", type_=_TASKS.c.completed_at.type),
                       completed_by=bindparam("b_by", type_=_TASKS.c.completed_by.type)))
_TIMERS_CANCELLED = (update(_TIMERS)
                     .where(_TIMERS.c.instance_id == bindparam("b_instance_id", type_=_TIMERS.c.instance_id.type),
                            _TIMERS.c.task_id.in_(bindparam("b_task_ids", expanding=True)),
                            _TIMERS.c.state == "waiting")
                     .values(state="cancelled", fired_at=None))
_TIMERS_ENDED = (update(_TIMERS).where(_TIMERS.c.id.in_(bindparam("b_ids", expanding=True)))
                 .values(state=bindparam("b_state", type_=_TIMERS.c.state.type),
                         fired_at=bindparam("b_fired_at", type_=_TIMERS.c.fired_at.type)))
