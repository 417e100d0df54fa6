"""The HistoryPort handlers use, answered from the case table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.deadlines.models import Deadline
from webapp.models import Case
from webapp.security.limits import check_int


def customer_key(phone: str | None, name: str | None) -> str:
    """How we tell complainants apart: phone if known, else the name, case-folded."""
    return (phone or "").strip() or (name or "").strip().casefold()


class DbHistory:
    """History figures for grading (G2-b, G3-a) from earlier cases; the instance's clocks (clock_status)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def distinct_complainants(self, category: str, subject: str, since: datetime, exclude: str) -> list[str]:
        """One case number per other complainant with this category and subject since a date."""
        rows = self.session.execute(
            select(Case.number, Case.customer_phone, Case.customer_name)
            .where(Case.category == category, func.lower(Case.subject) == (subject or "").lower(),
                   Case.created_at >= since, Case.number != exclude)
            .order_by(Case.id)
        ).all()
        seen: dict[str, str] = {}
        for number, phone, name in rows:
            seen.setdefault(customer_key(phone, name), number)
        me = self.session.execute(select(Case.customer_phone, Case.customer_name).where(Case.number == exclude)).first()
        if me is not None:
            seen.pop(customer_key(me[0], me[1]), None)
        return list(seen.values())

    def repeats_after_closure(self, customer_key_value: str, category: str, subject: str, exclude: str) -> int:
        """How many closed cases of this customer had the same category and subject."""
        rows = self.session.execute(
            select(Case.customer_phone, Case.customer_name)
            .where(Case.category == category, func.lower(Case.subject) == (subject or "").lower(),
                   Case.status.like("closed%"), Case.number != exclude)
        ).all()
        return sum(1 for phone, name in rows if customer_key(phone, name) == customer_key_value)

    def clock(self, instance_id: str, name: str) -> dict[str, Any] | None:
        """The newest clock of that name on the instance (as the worker sees it), or None."""
        try:
            key = check_int("instance", int(instance_id))
        except (TypeError, ValueError):
            return None
        row = self.session.scalars(select(Deadline).where(Deadline.instance_id == key, Deadline.name == name)
                                   .order_by(Deadline.id.desc()).limit(1)).first()
        if row is None:
            return None
        due = row.due_at
        if due is not None and due.tzinfo is None:  # SQLite hands back naive UTC
            due = due.replace(tzinfo=UTC)
        return {"state": row.state, "due": due}
