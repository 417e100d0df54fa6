"""The clock rows of one instance while an outcome is applied: read once, filtered in memory."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from webapp.deadlines.models import Deadline

ACTIVE = ("running", "paused")


class Clocks:
    """The clock rows of one instance, read once when first needed; rows added here join the list."""

    def __init__(self, session: Session, instance_id: int) -> None:
        self.session, self.instance_id = session, instance_id
        self._rows: list[Deadline] | None = None

    def rows(self) -> list[Deadline]:
        """Every clock of the instance, oldest first (new ones last, in the order they were added)."""
        if self._rows is None:
            with self.session.no_autoflush:
                stored = list(self.session.scalars(_OF_INSTANCE, {"instance_id": self.instance_id}))
            pending = [o for o in self.session.new if isinstance(o, Deadline) and o.instance_id == self.instance_id]
            self._rows = stored + pending
        return self._rows

    def read(self) -> list[Deadline]:
        """The rows read so far (none if nothing asked for them)."""
        return self._rows or []

    def active(self, name: str) -> list[Deadline]:
        """Running, paused or missed-and-not-stopped clocks of that name ("*": every name)."""
        return [r for r in self.rows() if _is_active(r) and (name == "*" or r.name == name)]

    def add(self, row: Deadline) -> None:
        """A new clock: added to the session and to the list."""
        self.rows().append(row)
        self.session.add(row)


# built once: SQLAlchemy computes a statement's cache key once per statement object
_OF_INSTANCE = select(Deadline).where(Deadline.instance_id == bindparam("instance_id")).order_by(Deadline.id)


def _is_active(row: Deadline) -> bool:
    return row.state in ACTIVE or (row.state == "missed" and row.stopped_at is None)
