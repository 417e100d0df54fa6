"""Lesson rules: a completed step-6 review writes a lesson; staff search them; handlers of a new case see the
lessons and similar cases of its category/subject; the improvement's owner marks it done."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from webapp.accounts.models import User
from webapp.cases.models import Case, CaseLink
from webapp.engine.clock import now
from webapp.errors import Conflict, Forbidden, Invalid, NotFound
from webapp.lessons.models import Lesson
from webapp.workflow.models import Event
from webapp.workflow.rows import event_row

REVIEW_FORM = "review.json"  # the step-6 task's form (processes/grievance_handling.bpmn, task `review`)


def on_review(session: Session, case: Case | None, form_key: str | None, data: dict[str, Any], actor: str) -> None:
    """When a step-6 review is completed, keep its cause, risk and improvement as a lesson (same transaction)."""
    if form_key != REVIEW_FORM or case is None:
        return
    owner = str(data.get("review_owner") or "").strip() or actor
    if session.scalars(select(User.id).where(User.username == owner)).first() is None:
        raise Invalid(f"no user is called {owner!r}", {"review_owner": "name a user who owns the improvement"})
    linked = session.scalars(select(Case.number).join(CaseLink, CaseLink.other_id == Case.id)
                             .where(CaseLink.case_id == case.id)).all()
    lesson = Lesson(case_id=case.id, case_number=case.number, category=case.category, subject=case.subject,
                    cause=str(data.get("review_cause") or ""), risk=str(data.get("review_risk") or ""),
                    improvement=str(data.get("review_improvement") or ""), owner=owner,
                    due_date=_due(data.get("review_due")), linked_cases=[case.number, *sorted(set(linked))],
                    created_by=actor, created_at=now())
    session.add(lesson)
    session.add(Event(**event_row(None, case, actor, "lesson_kept", {"owner": owner, "due": _iso(lesson.due_date)})))


def _due(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise Invalid("the due date must be a date (YYYY-MM-DD)", {"review_due": "not a date"}) from None


def categories(session: Session, limit: int = 200) -> list[str]:
    """The categories lessons were kept under (the register's category filter)."""
    stmt = select(Lesson.category).where(Lesson.category.is_not(None)).group_by(Lesson.category).limit(limit)
    return sorted(c for c in session.scalars(stmt) if c)


def search(session: Session, q: str = "", category: str = "", state: str = "", limit: int = 200) -> list[Lesson]:
    """Lessons matching words in cause/risk/improvement/subject, a category and a state, newest first."""
    query = select(Lesson).order_by(Lesson.id.desc()).limit(limit)
    if state and state not in ("open", "done"):
        raise Invalid("state must be 'open' or 'done'", {"state": "unknown state"})
    if state:
        query = query.where(Lesson.state == state)
    if category:
        query = query.where(Lesson.category == category)
    for word in q.split()[:5]:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Lesson.cause.ilike(like), Lesson.risk.ilike(like), Lesson.improvement.ilike(like),
                                Lesson.subject.ilike(like), Lesson.case_number.ilike(like)))
    return list(session.scalars(query))


def similar(session: Session, case: Case, limit: int = 5) -> tuple[list[Lesson], list[Case]]:
    """Lessons and other cases of the same category (same subject first): what a handler should know."""
    if not case.category:
        return [], []
    same_subject = Lesson.subject == case.subject if case.subject else Lesson.id < 0
    lessons = session.scalars(select(Lesson).where(Lesson.category == case.category,
                                                   or_(Lesson.case_id.is_(None), Lesson.case_id != case.id))
                              .order_by(same_subject.desc(), Lesson.id.desc()).limit(limit)).all()
    cases_same = Case.subject == case.subject if case.subject else Case.id < 0
    others = session.scalars(select(Case).where(Case.category == case.category, Case.id != case.id)
                             .order_by(cases_same.desc(), Case.id.desc()).limit(limit)).all()
    return list(lessons), list(others)


def get(session: Session, lesson_id: int) -> Lesson:
    """One lesson or NotFound."""
    row = session.get(Lesson, lesson_id)
    if row is None:
        raise NotFound(f"lesson {lesson_id} not found")
    return row


def mark_done(session: Session, lesson_id: int, user: User) -> Lesson:
    """The improvement's owner (or an admin) marks it done; commits."""
    row = get(session, lesson_id)
    if row.owner != user.username and not user.has_role("admin"):
        raise Forbidden(f"only the owner of the improvement ({row.owner}) marks it done")
    if row.state == "done":
        raise Conflict(f"lesson {row.id} is already done")
    row.state, row.done_by, row.done_at = "done", user.username, now()
    case = session.get(Case, row.case_id) if row.case_id else None
    session.add(Event(**event_row(None, case, user.username, "lesson_done", {"lesson": row.id})))
    session.commit()
    return row


def overdue(row: Lesson, today: date) -> bool:
    """True if the improvement is still open after its due date."""
    return row.state == "open" and row.due_date is not None and row.due_date < today


def as_dict(row: Lesson) -> dict[str, Any]:
    """The JSON shape of one lesson."""
    return {"id": row.id, "case_number": row.case_number, "category": row.category, "subject": row.subject,
            "cause": row.cause, "risk": row.risk, "improvement": row.improvement, "owner": row.owner,
            "due_date": _iso(row.due_date), "linked_cases": row.linked_cases, "state": row.state,
            "created_by": row.created_by, "created_at": _iso(row.created_at), "done_by": row.done_by,
            "done_at": _iso(row.done_at)}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None
