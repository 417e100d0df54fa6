"""Who an administrator may give an open task to: the active members of its queue (a group, a department or a
service point), or the service supervisors when nobody active works in that queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.masterdata import units
from webapp.models import Group, HumanTask, Membership, User

SUPERVISORS = "service_supervisor"


@dataclass
class Candidates:
    """The people a task can go to, and whether they are the supervisors standing in for an empty queue."""

    queue: str | None
    people: list[tuple[str, str]] = field(default_factory=list)  # (username, display name)
    fallback: bool = False

    @property
    def usernames(self) -> set[str]:
        """The usernames offered."""
        return {name for name, _ in self.people}


def queue_members(session: Session, key: str | None) -> list[tuple[str, str]]:
    """Active people (username, display name) of a queue: a group's members, a unit's members and head."""
    if not key:
        return []
    if units.parse(key) is not None:
        names = units.people(session, key)
        if not names:
            return []
        stmt = select(User.username, User.display_name).where(User.username.in_(names))
    else:
        stmt = (select(User.username, User.display_name).join(Membership, Membership.user_id == User.id)
                .join(Group, Group.id == Membership.group_id).where(Group.key == key))
    rows = session.execute(stmt.where(User.is_active.is_(True)).order_by(User.username)).all()
    return [(username, name or username) for username, name in dict(rows).items()]


def candidates(session: Session, task: HumanTask) -> Candidates:
    """The members of the task's queue; the service supervisors if it has no active member."""
    people = queue_members(session, task.group_key)
    if people:
        return Candidates(task.group_key, people)
    return Candidates(task.group_key, queue_members(session, SUPERVISORS), fallback=True)
