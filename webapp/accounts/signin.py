"""Sign-in and API tokens (no Flask): throttle, lockout with backoff, equal work, issue and revoke tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.accounts.throttle import ThrottleRule, record_failure, retry_after
from webapp.engine.clock import now
from webapp.errors import Invalid
from webapp.models import ApiToken, User

MAX_FAILED_LOGINS = 5  # wrong passwords in a row before the account waits
LOCK_BASE_SECONDS = 30  # first wait; doubles with every further failure ...
LOCK_CAP_SECONDS = 15 * 60  # ... up to this
DEFAULT_HASH_METHOD = "scrypt"  # werkzeug's strong default; the test suite configures a cheap one
_hashing = {"method": DEFAULT_HASH_METHOD}
_dummy: dict[str, str] = {}  # method -> a real hash of a random password


def configure_hashing(method: str) -> None:
    """Choose the werkzeug method new password hashes use (existing hashes keep verifying by their prefix)."""
    if method.split(":")[0] not in ("scrypt", "pbkdf2"):
        raise ValueError(f"unknown password hash method {method!r}: use scrypt[:n:r:p] or pbkdf2[:hash[:iterations]]")
    _hashing["method"] = method


def hash_password(password: str) -> str:
    """A salted hash of the password with the configured method."""
    return generate_password_hash(password, method=_hashing["method"])


def dummy_hash() -> str:
    """A real hash of a random password with the configured method, checked when there is no usable account."""
    method = _hashing["method"]
    if method not in _dummy:
        _dummy[method] = hash_password(secrets.token_urlsafe(16))
    return _dummy[method]


@dataclass(frozen=True)
class SignIn:
    """Outcome of a sign-in: the user, or why not (`retry_after` set when the address is throttled)."""

    user: User | None
    retry_after: int | None = None

    @property
    def throttled(self) -> bool:
        """True when the client address made too many failed attempts."""
        return self.retry_after is not None


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against a hash (the one place a hash is checked during sign-in)."""
    return check_password_hash(password_hash, password)


def lock_seconds(failures: int) -> int:
    """How long an account waits after `failures` wrong passwords in a row (0 below the threshold)."""
    if failures < MAX_FAILED_LOGINS:
        return 0
    return int(min(LOCK_CAP_SECONDS, LOCK_BASE_SECONDS * 2 ** min(failures - MAX_FAILED_LOGINS, 20)))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right and the account usable; exactly one hash check on every path."""
    user = session.scalars(select(User).where(User.username == username)).first()
    usable = user is not None and user.is_active and not (user.locked_until and user.locked_until > now())
    ok = verify_password(user.password_hash if usable and user else dummy_hash(), password)
    if user is None or not usable:
        return None
    if not ok:
        user.failed_logins += 1
        wait = lock_seconds(user.failed_logins)
        user.locked_until = now() + timedelta(seconds=wait) if wait else None
        session.commit()
        return None
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
        session.commit()
    return user


def sign_in(session: Session, username: str, password: str, address: str, rule: ThrottleRule) -> SignIn:
    """Web sign-in and token endpoint alike: the address throttle first, then the account check."""
    wait = retry_after(session, address, rule)
    if wait is not None:
        session.commit()
        return SignIn(None, wait)
    user = authenticate(session, username, password) if username and password else None
    if user is None:
        if not (username and password):
            verify_password(dummy_hash(), password)
        record_failure(session, address)
        session.commit()
    return SignIn(user)


def issue_token(session: Session, user: User, hours: float, name: str = "api") -> tuple[str, ApiToken]:
    """Create an API token valid for `hours`; the plain value is returned once, only its hash is stored."""
    value = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=token_hash(value), name=name,
                     expires_at=wall_now() + timedelta(hours=hours))
    session.add(token)
    session.commit()
    return value, token


def revoke_token(session: Session, value: str) -> bool:
    """Revoke (delete) the token with this value; False if there was none."""
    result = session.execute(delete(ApiToken).where(ApiToken.token_hash == token_hash(value)))
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_all(session: Session, user: User) -> int:
    """Revoke every token of the user (flushed, committed by the caller's transaction)."""
    result = session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Check the current password, set the new one and revoke every API token of the user."""
    if not verify_password(user.password_hash, current):
        raise Invalid(gettext("this is not your current password"), {"current_password": "wrong"})
    if len(new) < 8:
        raise Invalid(gettext("password too short"), {"new_password": "use at least 8 characters"})
    user.password_hash = hash_password(new)
    revoke_all(session, user)
    session.commit()


def deactivate(session: Session, user: User) -> None:
    """Admin: the user can no longer sign in; every API token is revoked."""
    user.is_active = False
    revoke_all(session, user)
    session.commit()


def wall_now() -> datetime:
    """Real time: token lives are wall-clock time, not the movable business clock of webapp.engine.clock."""
    return datetime.now(UTC)


def token_hash(value: str) -> str:
    """SHA-256 of a token value (what is stored)."""
    return hashlib.sha256(value.encode()).hexdigest()
