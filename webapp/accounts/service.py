"""Users, groups and API tokens: create, authenticate, issue and check tokens."""

from __future__ import annotations

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import InstanceState, Session, joinedload

from webapp.accounts import signin as accounts
from webapp.accounts.signin import MAX_FAILED_LOGINS, authenticate, configure_hashing, hash_password, token_hash
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


def issue_token(session: Session, user: User, name: str = "api", hours: float = 12) -> str:
    """Create an API token valid for `hours`; the plain value is returned once and only its hash is stored."""
    return accounts.issue_token(session, user, hours, name)[0]


def user_for_token(session: Session, value: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    row = session.execute(_TOKEN, {"token_hash": token_hash(value)}).unique().first()
    if row is None:
        return None
    user, expires_at = row
    if (expires_at and expires_at < accounts.wall_now()) or not user.is_active:
        return None
    return user  # type: ignore[no-any-return]


# the token's user with the user's groups, and the token's expiry: one round trip per API request; the token itself
# is not loaded as an object (a third of the ORM's row work here, and nobody reads it)
_TOKEN = (select(User, ApiToken.expires_at).join(ApiToken, ApiToken.user_id == User.id)
          .where(ApiToken.token_hash == bindparam("token_hash")).options(joinedload(User.memberships)))


# a user with its groups (memberships and their groups, joined): one round trip instead of a lazy load after it
_USER_WITH_GROUPS = select(User).where(User.id == bindparam("user_id")).options(joinedload(User.memberships))


def user_with_groups(session: Session, user_id: int) -> User | None:
    """A user by id with its groups, in one query."""
    return session.execute(_USER_WITH_GROUPS, {"user_id": user_id}).unique().scalar_one_or_none()


def with_groups(user: User) -> User:
    """The user with its groups, read in one query by its session when not loaded yet (an expired user, or one
    read without them) instead of two lazy loads; groups already read are used as they are (no query)."""
    state: InstanceState[User] = inspect(user)
    if "memberships" not in state.dict and state.identity is not None and state.session is not None:
        user_with_groups(state.session, state.identity[0])
    return user


__all__ = ["MAX_FAILED_LOGINS", "authenticate", "configure_hashing", "create_user", "ensure_group", "hash_password",
           "issue_token", "set_password", "user_for_token", "user_with_groups", "with_groups"]


def active_usernames(session: Session) -> list[str]:
    """Usernames of the active users, sorted."""
    return sorted(session.scalars(select(User.username).where(User.is_active.is_(True))))


def save_preferences(session: Session, user: User, language: str | None = None, timezone: str | None = None) -> None:
    """Keep the user's chosen language and/or time zone (already validated by the caller); commits."""
    if language:
        user.language = language
    if timezone:
        user.timezone = timezone
    session.commit()
