"""Users, groups and API tokens: create, authenticate, issue and check tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.engine.clock import now
from webapp.errors import Conflict, Invalid
from webapp.models import ApiToken, Group, Membership, User

GROUPS = {
    "customer_service": "Customer service",
    "tier_1_handler": "Tier-1 handlers",
    "tier_2_handler": "Tier-2 handlers",
    "tier_3_handler": "Tier-3 handlers",
    "service_supervisor": "Service supervisors",
    "callback_staff": "Follow-up callers",
    "technical_supervisor": "Technical supervisors",
    "general_manager": "General manager",
    "crisis_team": "Crisis team",
    "responsible_department": "Responsible departments",
    "department_head": "Department heads",
    "integrated_management": "Integrated management department",
    "finance": "Finance",
    "sales": "Sales",
    "process_owner": "Process owners",
    "admin": "Administrators",
}
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
DEFAULT_HASH_METHOD = "scrypt"  # werkzeug's strong default; the test suite configures a cheap one
_hashing = {"method": DEFAULT_HASH_METHOD}


def configure_hashing(method: str) -> None:
    """Choose the werkzeug method new password hashes use (existing hashes keep verifying by their prefix)."""
    if method.split(":")[0] not in ("scrypt", "pbkdf2"):
        raise ValueError(f"unknown password hash method {method!r}: use scrypt[:n:r:p] or pbkdf2[:hash[:iterations]]")
    _hashing["method"] = method


def hash_password(password: str) -> str:
    """A salted hash of the password with the configured method."""
    return generate_password_hash(password, method=_hashing["method"])


def ensure_group(session: Session, key: str, name: str | None = None) -> Group:
    """Return the group with this key, creating it if needed."""
    group = session.scalars(select(Group).where(Group.key == key)).first()
    if group is None:
        group = Group(key=key, name=name or GROUPS.get(key, key.replace("_", " ").capitalize()))
        session.add(group)
        session.flush()
    return group


def create_user(session: Session, username: str, password: str, groups: list[str], display_name: str = "",
                email: str | None = None, supervises: list[str] | None = None, language: str = "en") -> User:
    """Create a user with a hashed password in the given groups (supervisor of some of them)."""
    if not username or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise Invalid("invalid username", {"username": "letters, digits, '.', '-' and '_' only"})
    if len(password) < 8:
        raise Invalid("password too short", {"password": "use at least 8 characters"})
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"user '{username}' already exists")
    user = User(username=username, display_name=display_name or username, email=email,
                password_hash=hash_password(password), language=language)
    session.add(user)
    session.flush()
    sup = set(supervises or [])
    for key in dict.fromkeys([*groups, *sup]):
        session.add(Membership(user_id=user.id, group_id=ensure_group(session, key).id, is_supervisor=key in sup))
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Hash and set a new password."""
    if len(password) < 8:
        raise Invalid("password too short", {"password": "use at least 8 characters"})
    user.password_hash = hash_password(password)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right and the account is not locked; counts failures."""
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        hash_password(password)  # same work either way: no user enumeration by timing
        return None
    if user.locked_until and user.locked_until > now():
        return None
    if not check_password_hash(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now() + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        session.commit()
        return None
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
        session.commit()
    return user


def issue_token(session: Session, user: User, name: str = "api", days: int = 90) -> str:
    """Create an API token; the plain value is returned once and only its hash is stored."""
    value = secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_hash(value), name=name,
                         expires_at=now() + timedelta(days=days)))
    session.commit()
    return value


def user_for_token(session: Session, value: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    token = session.scalars(_TOKEN, {"token_hash": _hash(value)}).unique().first()
    if token is None or (token.expires_at and token.expires_at < now()) or not token.user.is_active:
        return None
    return token.user


# the token with its user and the user's groups: one round trip per API request
_TOKEN = (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
          .options(joinedload(ApiToken.user).joinedload(User.memberships)))


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
