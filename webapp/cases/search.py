"""Case search for staff: number, customer name or phone, status, grade, kind, category, date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from webapp.accounts.visibility import ALL_CASE_READERS, only_readable
from webapp.deadlines.models import Deadline
from webapp.engine.clock import now
from webapp.models import Case, User
from webapp.paging import newest_first

CLOSED_STATES = ("closed", "closed_malicious", "terminated")
DEADLINE_FILTERS = ("overdue", "due_today")


@dataclass
class CaseQuery:
    """What the searcher asked for (empty fields are ignored)."""

    text: str = ""
    status: str = ""
    grade: str = ""
    kind: str = ""
    category: str = ""
    channel: str = ""
    tier: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    timezone: str = "UTC"
    registered_by: str = ""
    deadline: str = ""  # overdue | due_today


def _phone_digits() -> ColumnElement[str]:
    """The phone column without the usual separators, so '139-0000-0002' matches '13900000002'."""
    column: ColumnElement[str] = Case.customer_phone  # type: ignore[assignment]
    for sep in ("-", " ", "+", "(", ")", "."):
        column = func.replace(column, sep, "")
    return column


def _day_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(tz))


def search(session: Session, q: CaseQuery, before_id: int | None = None, limit: int = 50,
           viewer: User | None = None, readers: tuple[str, ...] = ALL_CASE_READERS) -> tuple[list[Case], int | None]:
    """Matching cases the viewer may read, newest first, keyset paged by id; (cases, id to continue or None)."""
    stmt = select(Case) if viewer is None else only_readable(select(Case), viewer, readers)
    text = q.text.strip()
    if text:
        like = f"%{text.lower()}%"
        digits = "".join(ch for ch in text if ch.isdigit())
        clauses = [Case.number == text.upper(), func.lower(Case.customer_name).like(like)]
        if len(digits) >= 4:
            clauses.append(_phone_digits().like(f"%{digits}%"))
        if text.upper().startswith("CL-"):
            clauses.append(Case.number.like(f"{text.upper()}%"))
        stmt = stmt.where(or_(*clauses))
    if q.status == "open":  # every state that is not closed: open, handling, executing, follow_up, reopened
        stmt = stmt.where(Case.status.not_in(CLOSED_STATES))
    elif q.status == "closed":
        stmt = stmt.where(Case.status.like("closed%"))
    elif q.status:
        stmt = stmt.where(Case.status == q.status)
    for column, value in ((Case.grade, q.grade), (Case.kind, q.kind), (Case.category, q.category),
                          (Case.channel, q.channel), (Case.registered_by, q.registered_by)):
        if value:
            stmt = stmt.where(column == value)
    if q.tier is not None:
        stmt = stmt.where(Case.tier == q.tier)
    if q.date_from:
        stmt = stmt.where(Case.created_at >= _day_start(q.date_from, q.timezone))
    if q.date_to:
        stmt = stmt.where(Case.created_at < _day_start(q.date_to + timedelta(days=1), q.timezone))
    if q.deadline in DEADLINE_FILTERS:
        stmt = stmt.where(Case.status.not_in(CLOSED_STATES), _deadline_state(q.deadline, q.timezone))
    return newest_first(session, stmt, Case.id, before_id, limit)


def _deadline_state(state: str, tz: str) -> ColumnElement[bool]:
    """A clock of the case is missed or past due now (overdue), or falls due before midnight (due today)."""
    at = now()
    if state == "overdue":
        late = or_(and_(Deadline.state == "missed", Deadline.stopped_at.is_(None)),
                   and_(Deadline.state == "running", Deadline.due_at < at))
    else:
        midnight = _day_start(at.astimezone(ZoneInfo(tz)).date() + timedelta(days=1), tz)
        late = and_(Deadline.state == "running", Deadline.due_at >= at, Deadline.due_at < midnight)
    return exists(select(Deadline.id).where(Deadline.case_id == Case.id, late))


def categories(session: Session, limit: int = 100) -> list[str]:
    """Categories in use (for the search and register forms)."""
    stmt = select(Case.category).where(Case.category.is_not(None)).group_by(Case.category).limit(limit)
    return sorted(c for c in session.scalars(stmt) if c)
