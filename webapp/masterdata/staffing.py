"""Who is really there: groups, departments and service points with no active member (nobody would act on a task
in their queue or read a notice to them). Used by the deploy checks and the admin's stuck rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.masterdata import units
from webapp.masterdata.models import MasterItem
from webapp.models import Group, Membership, User


def _active_users(session: Session) -> set[str]:
    return set(session.scalars(select(User.username).where(User.is_active.is_(True))))


def staffed_groups(session: Session) -> set[str]:
    """Group keys with at least one active member."""
    return set(session.scalars(select(Group.key).join(Membership, Membership.group_id == Group.id)
                               .join(User, User.id == Membership.user_id).where(User.is_active.is_(True))))


def unmanned_units(session: Session) -> set[str]:
    """Addresses of active departments and service points (`<kind>:<key>`, `<kind>_head:<key>`) whose people
    (members and head, or the head) are all missing or inactive."""
    active = _active_users(session)
    out: set[str] = set()
    rows = session.scalars(select(MasterItem).where(MasterItem.kind.in_(units.KINDS), MasterItem.active.is_(True)))
    for row in rows:
        for suffix, head_only in (("", False), ("_head", True)):
            if not set(units.people_of(row.attrs, head_only)) & active:
                out.add(f"{row.kind}{suffix}:{row.key}")
    return out



def manned_units(session: Session) -> set[str]:
    """Addresses of active departments and service points with at least one active person in them."""
    return units.kept_addresses(session) - unmanned_units(session)
