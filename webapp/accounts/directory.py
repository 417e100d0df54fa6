"""Users and groups as administrators keep them: list, create, change, deactivate, reset passwords, memberships.

Every change is checked here (unknown groups, duplicate names, the last active admin, oneself) and written to the
admin audit log in the same transaction; a password is never in the log. Supervision is the membership flag:
a supervisor of a group supervises its members.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from webapp.accounts import signin
from webapp.accounts.service import create_user
from webapp.admin import audit
from webapp.errors import Conflict, Forbidden, Invalid, NotFound
from webapp.models import Group, Membership, User
from webapp.paging import alphabetical, page_size

LANGUAGES = ("en", "zh")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GROUP_KEY = re.compile(r"^[a-z][a-z0-9_]{1,79}$")
PAGE = 100  # users on one page of the list
MAX_LIST = 500  # the most one request may ask for


def require_admin(actor: User) -> None:
    """Refuse anyone without the admin role."""
    if not actor.has_role("admin"):
        raise Forbidden(gettext("managing users needs the admin role"))


def user_json(user: User) -> dict[str, Any]:
    """A user as the API and the pages show it (never the password hash)."""
    return {"username": user.username, "name": user.display_name, "email": user.email, "language": user.language,
            "active": user.is_active, "groups": sorted(user.role_keys), "supervises": sorted(user.supervised_keys),
            "locked_until": user.locked_until.isoformat() if user.locked_until else None,
            "created_at": user.created_at.isoformat() if user.created_at else None}


def find_users(session: Session, q: str | None = None, group: str | None = None, active: bool | None = None,
               after: str | None = None, limit: int = PAGE) -> tuple[list[User], str | None]:
    """A page of users matching a text (username, name, e-mail), a group and/or active state, by username; and the
    username the next page starts after (None: last page)."""
    stmt = select(User).options(selectinload(User.memberships))
    if q and q.strip():
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.username).like(like), func.lower(User.display_name).like(like),
                              func.lower(func.coalesce(User.email, "")).like(like)))
    if group:
        stmt = stmt.where(User.memberships.any(Membership.group.has(Group.key == group)))
    if active is not None:
        stmt = stmt.where(User.is_active.is_(active))
    return alphabetical(session, stmt, User.username, after, page_size(limit, PAGE, MAX_LIST))


def get_user(session: Session, username: str) -> User:
    """One user by username, or NotFound."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(gettext("no user '%(username)s'", username=username))
    return user


def group_keys(session: Session) -> list[str]:
    """Every group key, sorted."""
    return sorted(session.scalars(select(Group.key)))


def _keys(session: Session, value: Any, what: str) -> list[str]:
    """A list of existing group keys (from a list or a comma-separated text), or Invalid naming the unknown."""
    if value is None or value == "":
        return []
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise Invalid(gettext("'%(what)s' must be a list of group keys", what=what), {what: "list of group keys"})
    keys = list(dict.fromkeys(i for i in items if i))
    unknown = sorted(set(keys) - set(group_keys(session)))
    if unknown:
        raise Invalid(gettext("unknown group: %(groups)s; create it on the groups page first, or pick one of the "
                              "existing groups", groups=", ".join(unknown)),
                      {what: "unknown group " + ", ".join(unknown)})
    return keys


@dataclass
class Profile:
    """The checked fields of a create or change request (None: leave as it is)."""

    name: str | None = None
    email: str | None = None
    language: str | None = None
    groups: list[str] | None = None
    supervises: list[str] | None = None
    changes: dict[str, Any] = field(default_factory=dict)


def _profile(session: Session, data: dict[str, Any]) -> Profile:
    out = Profile()
    if "name" in data:
        out.name = str(data["name"] or "").strip()[:200]
    if "email" in data:
        email = str(data["email"] or "").strip()
        if email and not EMAIL.match(email):
            raise Invalid(gettext("'%(email)s' is not an e-mail address", email=email),
                          {"email": "like name@example.com"})
        out.email = email or None
    if "language" in data:
        if data["language"] not in LANGUAGES:
            raise Invalid(gettext("the language must be en or zh"), {"language": "en or zh"})
        out.language = str(data["language"])
    if "groups" in data:
        out.groups = _keys(session, data["groups"], "groups")
    if "supervises" in data:
        out.supervises = _keys(session, data["supervises"], "supervises")
    return out


def _password(data: dict[str, Any]) -> tuple[str, str | None]:
    """The password to set and, when none was given, the generated one to show once."""
    given = str(data.get("password") or "")
    if given:
        if len(given) < 8:
            raise Invalid(gettext("password too short"), {"password": "use at least 8 characters"})
        return given, None
    generated = secrets.token_urlsafe(12)
    return generated, generated


def record_change(session: Session, actor: User, action: str, user: User | Group, reason: str | None,
                  before: dict[str, Any] | None, after: dict[str, Any] | None, message: str) -> None:
    """Add the audit entry of a user or group change to the caller's transaction."""
    target = f"user:{user.username}" if isinstance(user, User) else f"group:{user.key}"
    audit.record(session, actor.username, action, None, (reason or "").strip()[:2000] or message, before, after,
                     target=target, message=message)


def create(session: Session, actor: User, data: dict[str, Any]) -> tuple[User, str | None]:
    """Create a user (groups and supervised groups must exist); the generated password, if any, is returned once.
    Commits."""
    require_admin(actor)
    username = str(data.get("username") or "").strip()
    profile = _profile(session, data)
    password, generated = _password(data)
    if not username:
        raise Invalid(gettext("give a username"), {"username": "required"})
    if session.scalars(select(User.id).where(func.lower(User.username) == username.lower())).first() is not None:
        raise Conflict(gettext("user '%(username)s' already exists; choose another username", username=username),
                       {"username": "taken"})
    user = create_user(session, username, password, profile.groups or [], profile.name or "", profile.email,
                       profile.supervises or [], profile.language or "en")
    record_change(session, actor, "user_create", user, data.get("reason"), None, user_json(user),
            f"created {username}" + (" with a generated password" if generated else ""))
    session.commit()
    return user, generated


def update(session: Session, actor: User, username: str, data: dict[str, Any]) -> User:
    """Change name, e-mail, language, groups and supervised groups. Commits."""
    require_admin(actor)
    user = get_user(session, username)
    profile = _profile(session, data)
    before = user_json(user)
    if profile.name is not None:
        user.display_name = profile.name or user.username
    if "email" in data:
        user.email = profile.email
    if profile.language is not None:
        user.language = profile.language
    if profile.groups is not None or profile.supervises is not None:
        groups = profile.groups if profile.groups is not None else sorted(user.role_keys)
        supervises = profile.supervises if profile.supervises is not None else sorted(user.supervised_keys)
        _check_admins_left(session, user, still_admin="admin" in groups + supervises and user.is_active)
        _set_memberships(session, user, groups, supervises)
    after = user_json(user)
    if after == before:
        raise Invalid(gettext("nothing changed"), {"": "change at least one field"})
    record_change(session, actor, "user_update", user, data.get("reason"), before, after, f"changed {username}")
    session.commit()
    return user


def _set_memberships(session: Session, user: User, groups: list[str], supervises: list[str]) -> None:
    wanted = {key: key in supervises for key in [*groups, *supervises]}
    for membership in list(user.memberships):
        if membership.group.key not in wanted:
            user.memberships.remove(membership)
        else:
            membership.is_supervisor = wanted.pop(membership.group.key)
    by_key = {g.key: g for g in session.scalars(select(Group).where(Group.key.in_(list(wanted))))}
    for key, supervisor in wanted.items():
        user.memberships.append(Membership(group=by_key[key], is_supervisor=supervisor))
    session.flush()


def _check_admins_left(session: Session, user: User, still_admin: bool) -> None:
    """Refuse a change that leaves no active administrator."""
    if still_admin or not user.is_active or "admin" not in user.role_keys:
        return
    others = session.scalar(select(func.count(User.id)).where(
        User.is_active.is_(True), User.id != user.id,
        User.memberships.any(Membership.group.has(Group.key == "admin"))))
    if not others:
        raise Conflict(gettext("%(username)s is the last active administrator; make someone else an admin first",
                               username=user.username))


def deactivate(session: Session, actor: User, username: str, reason: str | None = None) -> User:
    """The user can no longer sign in and every API token is revoked (not oneself, not the last admin). Commits."""
    require_admin(actor)
    user = get_user(session, username)
    if user.id == actor.id:
        raise Conflict(gettext("you cannot deactivate yourself; ask another administrator"))
    return _deactivate(session, actor.username, user, reason)


def deactivate_from_cli(session: Session, username: str, reason: str | None = None) -> User:
    """`closeloop deactivate-user`: the same checks and audit entry as the admin page, by 'cli'. Commits."""
    return _deactivate(session, "cli", get_user(session, username), reason)


def _deactivate(session: Session, actor: str, user: User, reason: str | None) -> User:
    if not user.is_active:
        raise Conflict(gettext("%(username)s is already inactive", username=user.username))
    _check_admins_left(session, user, still_admin=False)
    message = f"deactivated {user.username}; API tokens revoked"
    audit.record(session, actor, "user_deactivate", None, (reason or "").strip()[:2000] or message,
                 {"active": True}, {"active": False}, target=f"user:{user.username}", message=message)
    signin.deactivate(session, user)  # commits the audit entry with it
    return user


def reactivate(session: Session, actor: User, username: str, reason: str | None = None) -> User:
    """Let an inactive user sign in again (the lockout counter starts afresh). Commits."""
    require_admin(actor)
    user = get_user(session, username)
    if user.is_active:
        raise Conflict(gettext("%(username)s is active already", username=username))
    user.is_active, user.failed_logins, user.locked_until = True, 0, None
    record_change(session, actor, "user_reactivate", user, reason, {"active": False}, {"active": True},
            f"reactivated {username}")
    session.commit()
    return user


def reset_password(session: Session, actor: User, username: str, data: dict[str, Any]) -> str | None:
    """Set the given password or generate one (returned once); signs the user out and revokes tokens. Commits."""
    require_admin(actor)
    user = get_user(session, username)
    password, generated = _password(data)
    user.password_hash = signin.hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    signin.revoke_all(session, user)
    record_change(session, actor, "password_reset", user, data.get("reason"), None, None,
            f"password of {username} " + ("reset to a generated one" if generated else "set by an administrator"))
    session.commit()
    return generated
