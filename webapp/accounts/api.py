"""Bearer-token authentication for the API, and the token endpoint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from webapp.accounts import service as users
from webapp.api import bp
from webapp.api.problems import error_response
from webapp.extensions import db
from webapp.models import User

F = TypeVar("F", bound=Callable[..., Any])


def api_user() -> User:
    """The user of the current API request (set by @require)."""
    return g.api_user  # type: ignore[no-any-return]


def require(*roles: str) -> Callable[[F], F]:
    """Require a valid bearer token, and one of the roles if any are given."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                return error_response(401, "unauthorized", "send 'Authorization: Bearer <token>'; "
                                      "get a token from POST /api/v1/auth/token")
            user = users.user_for_token(db.session, header[7:].strip())
            if user is None:
                return error_response(401, "unauthorized", "the token is invalid or expired")
            if roles and not user.has_role(*roles):
                return error_response(403, "forbidden", f"this needs one of the roles: {', '.join(roles)}")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


@bp.post("/auth/token")
def token() -> Any:
    """Exchange username and password for a bearer token."""
    body = request.get_json(silent=True) or {}
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return error_response(422, "invalid", "send username and password",
                              {"username": "required", "password": "required"})
    user = users.authenticate(db.session, username, password)
    if user is None:
        return error_response(401, "unauthorized", "wrong username or password (or the account is locked)")
    return {"token": users.issue_token(db.session, user), "username": user.username}, 201
