"""Groups as administrators see them: members, supervisors, groups nobody active works; who supervises whom."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp.accounts.directory import GROUP_KEY, record_change, require_admin
from webapp.errors import Conflict, Invalid
from webapp.models import Group, Membership, User


@dataclass
class GroupView:
    """A group with its members (active first) and supervisors; flagged when no active member works it."""

    key: str
    name: str
    members: list[str] = field(default_factory=list)
    inactive: list[str] = field(default_factory=list)
    supervisors: list[str] = field(default_factory=list)

    @property
    def unstaffed(self) -> bool:
        """No active member: its queue is worked by nobody (a lane or recipient naming it reaches no one)."""
        return not self.members

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"key": self.key, "name": self.name, "members": self.members, "inactive_members": self.inactive,
                "supervisors": self.supervisors, "no_active_member": self.unstaffed}


def overview(session: Session) -> list[GroupView]:
    """Every group with its members and supervisors, by key."""
    groups = session.scalars(select(Group).options(selectinload(Group.memberships).selectinload(Membership.user))
                             .order_by(Group.key))
    out = []
    for group in groups:
        view = GroupView(group.key, group.name)
        for m in sorted(group.memberships, key=lambda m: m.user.username):
            (view.members if m.user.is_active else view.inactive).append(m.user.username)
            if m.is_supervisor and m.user.is_active:
                view.supervisors.append(m.user.username)
        out.append(view)
    return out


def create_group(session: Session, actor: User, key: str, name: str, reason: str | None = None) -> Group:
    """A new group (key: lower-case letters, digits, '_'), refused if the key exists. Commits."""
    require_admin(actor)
    key, name = (key or "").strip(), (name or "").strip()[:200]
    if not GROUP_KEY.match(key):
        raise Invalid(gettext("the group key is lower-case letters, digits and '_', starting with a letter (e.g. "
                              "'after_sales')"), {"key": "like after_sales"})
    if session.scalars(select(Group.id).where(Group.key == key)).first() is not None:
        raise Conflict(gettext("group '%(key)s' already exists", key=key), {"key": "taken"})
    group = Group(key=key, name=name or key.replace("_", " ").capitalize())
    session.add(group)
    session.flush()
    record_change(session, actor, "group_create", group, reason, None, {"key": key, "name": group.name},
            f"created group {key}")
    session.commit()
    return group


def group_names(session: Session) -> dict[str, str]:
    """Every group's name as administrators keep it, by key."""
    return {key: name for key, name in session.execute(select(Group.key, Group.name))}


def supervision(session: Session, user: User) -> dict[str, Any]:
    """Who supervises the user (the supervisors of the user's groups) and whom the user supervises."""
    groups = {m.group.key for m in user.memberships}
    rows = session.execute(select(Group.key, User.username, Membership.is_supervisor, User.is_active)
                           .join(Membership, Membership.group_id == Group.id)
                           .join(User, User.id == Membership.user_id)
                           .where(Group.key.in_(groups))).all()
    led = set(user.supervised_keys)
    supervisors = sorted({u for g, u, sup, active in rows if sup and active and u != user.username
                          and g not in led})
    supervised = {g: sorted(u for gg, u, sup, active in rows if gg == g and not sup and active)
                  for g in sorted(led)}
    return {"supervised_by": supervisors, "supervises": supervised}


