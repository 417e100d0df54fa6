"""The HistoryPort handlers use, answered from the case table.

G2-b and G3-a count the same *issue* (webapp.masterdata.issues: a chosen "same issue" case, the object, or the
subject normalised), not the same wording; a case closed as malicious is never counted (domain §8b).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from webapp.deadlines.models import Deadline
from webapp.masterdata import choices, issues, units
from webapp.models import Case
from webapp.security.limits import check_int

NOT_COUNTED = ("closed_malicious",)


def customer_key(phone: str | None, name: str | None, email: str | None = None) -> str:
    """How we tell complainants apart: phone if known, else e-mail, else the name, case-folded."""
    return (phone or "").strip() or (email or "").strip().casefold() or (name or "").strip().casefold()


class DbHistory:
    """History figures for grading (G2-b, G3-a) from earlier cases; the instance's clocks (clock_status)."""

    def __init__(self, session: Session, case: Case | None = None) -> None:
        self.session = session
        # by number: the session's own object, looked up once per step; the running case's needs no query at all
        self._cases: dict[str, Case | None] = {case.number: case} if case is not None else {}
        self._read: dict[tuple[str, str, str], list[Any]] = {}  # (category, issue, exclude): the issue's cases

    def _issue(self, subject: str, exclude: str) -> tuple[str | None, Case | None]:
        if exclude not in self._cases:
            self._cases[exclude] = self.session.scalars(_BY_NUMBER, {"number": exclude}).first()
        me = self._cases[exclude]
        return issues.current(me, subject), me

    def distinct_complainants(self, category: str, subject: str, since: datetime, exclude: str) -> list[str]:
        """One case number per other complainant with this category and issue since a date (malicious left out)."""
        issue, me = self._issue(subject, exclude)
        if issue is None:
            return []
        since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
        rows = self._of_issue(category, issue, exclude, since)
        seen: dict[str, str] = {}
        for number, phone, name, email, status, created_at in rows:
            if created_at is not None and created_at >= since and status not in NOT_COUNTED:
                seen.setdefault(customer_key(phone, name, email), number)
        if me is not None:
            seen.pop(customer_key(me.customer_phone, me.customer_name, me.customer_email), None)
        return list(seen.values())

    def repeats_after_closure(self, customer_key_value: str, category: str, subject: str, exclude: str) -> int:
        """How many cases of this issue were closed after handling before (any complainant; malicious not)."""
        issue, _ = self._issue(subject, exclude)
        if issue is None:
            return 0
        read = self._read.get((category, issue, exclude))
        if read is not None:  # distinct_complainants' query brought every closed case of the issue along
            return sum(1 for row in read if row[4] == "closed")
        rows = self.session.scalars(_CLOSED_OF_ISSUE, {"category": category, "issue": issue, "exclude": exclude})
        return len(rows.all())

    def _of_issue(self, category: str, issue: str, exclude: str, since: datetime) -> list[Any]:
        """The other cases of the issue opened since `since` (malicious left out) or closed: one query for both
        figures of a grading step (kept for repeats_after_closure)."""
        rows = list(self.session.execute(_OF_ISSUE, {"category": category, "issue": issue, "exclude": exclude,
                                                     "since": since}))
        self._read[(category, issue, exclude)] = rows
        return rows

    def clock(self, instance_id: str, name: str) -> dict[str, Any] | None:
        """The newest clock of that name on the instance (as the worker sees it), or None."""
        try:
            key = check_int("instance", int(instance_id))
        except (TypeError, ValueError):
            return None
        row = self.session.scalars(_CLOCK, {"instance_id": key, "name": name}).first()
        if row is None:
            return None
        due = row.due_at
        if due is not None and due.tzinfo is None:  # SQLite hands back naive UTC
            due = due.replace(tzinfo=UTC)
        return {"state": row.state, "due": due}

    def deadline_rule(self, category: str) -> str | None:
        """The deadline rule (K1, K2, none) the category stores in master data (a deactivated row still answers for
        the cases that have it), else the pack's default; None for a category nobody knows."""
        return choices.attribute(self.session, "category", category, "deadline_rule")

    def unit_kept(self, address: str) -> bool:
        """Whether master data keeps (active) the department or service point an address names."""
        return units.queue_or(self.session, address, None) is not None


# the statements, built once (SQLAlchemy computes a statement's cache key once per statement object)
_BY_NUMBER = select(Case).where(Case.number == bindparam("number"))
_SAME_ISSUE = (Case.category == bindparam("category"), Case.issue_key == bindparam("issue"),
               Case.number != bindparam("exclude"))
_CLOSED_OF_ISSUE = select(Case.id).where(*_SAME_ISSUE, Case.status == "closed")
_OF_ISSUE = (select(Case.number, Case.customer_phone, Case.customer_name, Case.customer_email, Case.status,
                    Case.created_at)
             .where(*_SAME_ISSUE, or_(and_(Case.created_at >= bindparam("since"), Case.status.not_in(NOT_COUNTED)),
                                      Case.status == "closed"))
             .order_by(Case.id))
_CLOCK = (select(Deadline).where(Deadline.instance_id == bindparam("instance_id"), Deadline.name == bindparam("name"))
          .order_by(Deadline.id.desc()).limit(1))
