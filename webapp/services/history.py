"""The HistoryPort handlers use, answered from the case table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.models import Case


def customer_key(phone: str | None, name: str | None) -> str:
    """How we tell complainants apart: phone if known, else the name, case-folded."""
    return (phone or "").strip() or (name or "").strip().casefold()


class DbHistory:
    """History figures for grading (G2-b, G3-a) from earlier cases."""

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
