"""Rows a transition appends (events, outbox messages, timers), written with one INSERT per table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
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

    def write(self, session: Session) -> None:
        """Insert what is queued (an executemany per table) and empty the queues."""
        conn = session.connection()  # Core statements: no ORM bookkeeping for rows nobody reads back
        for model, rows in ((Timer, self.timers), (Outbox, self.outbox), (Event, self.events)):
            if not rows:
                continue
            if len(rows) == 1:
                conn.execute(insert(model.__table__), rows[0])
            else:  # with RETURNING, SQLAlchemy sends one multi-row INSERT ("insertmanyvalues"), not an executemany
                conn.execute(insert(model.__table__).returning(model.__table__.c.id), list(rows)).all()
            rows.clear()
            if model is not Event:
                session.info[WAKE_WORKER] = session.info[NOTIFY_WORK] = True
