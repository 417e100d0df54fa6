"""Who may see what: Flask-Login wiring for staff users and the `@role_required(*groups)` decorator.

Use in a view module::

    from webapp.accounts.web_access import login_required, role_required, staff

    @bp.get("/things")
    @role_required("admin", "process_owner")   # any of the groups; admin passes everything
    def things(): ...   # staff() is the signed-in User model

A user without the role gets the 403 page (templates/errors/403.html) naming the roles needed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app
from flask_login import current_user, login_required

from webapp.accounts.service import user_with_groups
from webapp.extensions import db, login_manager
from webapp.models import User

F = TypeVar("F", bound=Callable[..., Any])


def _session_id(user: User) -> str:
    """The id kept in the session: user id plus a digest of the password hash (a password change signs out)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:16]
    return f"{user.id}:{digest}"


def _install_login_protocol() -> None:
    """Give the User model the four members Flask-Login expects (is_active is already a column)."""
    User.is_authenticated = property(lambda self: True)  # type: ignore[attr-defined]
    User.is_anonymous = property(lambda self: False)  # type: ignore[attr-defined]
    User.get_id = _session_id  # type: ignore[attr-defined]


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    ident, _, digest = session_id.partition(":")
    if not ident.isdigit():
        return None
    user = user_with_groups(db.session, int(ident))  # every page checks roles: one round trip for both
    if user is None or not user.is_active or not hmac.compare_digest(_session_id(user), session_id):
        return None
    return user


def staff() -> User:
    """The signed-in staff member (inside a login_required view)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def role_required(*groups: str) -> Callable[[F], F]:
    """Require a signed-in user in one of the groups (admin always passes); 403 page otherwise."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if groups and not staff().has_role(*groups):
                abort(403, description="roles:" + ",".join(groups))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def has_endpoint(name: str) -> bool:
    """True if a view is registered under this endpoint (nav links of blueprints other engineers add)."""
    return name in current_app.view_functions


__all__ = ["has_endpoint", "login_required", "role_required", "staff"]
