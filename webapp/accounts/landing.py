"""Where a user lands after sign-in: the rule, free of the request (accounts.web.home_of names the page)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import HumanTask, User
from webapp.reports.readers import MANAGERS


def home(session: Session, user: User) -> str:
    """'processes' for process owners; 'reports' for a manager (a reports group, not an administrator) with no
    open task of their own (none assigned to them); 'worklist' for everyone else (an administrator's worklist
    leads on to /admin)."""
    groups = user.role_keys
    if "process_owner" in user.group_keys:
        return "processes"
    if "admin" in groups or not groups & set(MANAGERS):
        return "worklist"
    return "worklist" if has_own_task(session, user) else "reports"


def has_own_task(session: Session, user: User) -> bool:
    """An open task is assigned to the user (a task they claimed or were given)."""
    found = session.scalar(select(HumanTask.id).where(HumanTask.state == "open",
                                                      HumanTask.assignee == user.username).limit(1))
    return found is not None
