"""Bearer-token authentication for the API, and the token endpoint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request

from webapp.accounts import service as users
from webapp.accounts import signin as accounts
from webapp.accounts.throttle import ThrottleRule
from webapp.api import bp
from webapp.api.problems import error_response
from webapp.extensions import db
from webapp.models import User

F = TypeVar("F", bound=Callable[..., Any])


def api_user() -> User:
    """The user of the current API request (set by @require)."""
    return g.api_user  # type: ignore[no-any-return]


def require(*roles: str, read_only: bool = False) -> Callable[[F], F]:
    """Require a valid bearer token, and one of the roles if any are given.

    `read_only` views (they only read: no flush, no commit) run their statements without a transaction, as
    autocommitted SELECTs: the same answers under READ COMMITTED, where each statement reads its own snapshot
    anyway, without the BEGIN and the ROLLBACK round trips PostgreSQL otherwise costs every request.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if read_only:
                reads_only()
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


def reads_only() -> None:
    """Run the request's next statements as autocommitted SELECTs (unless a transaction is already open).

    Not on SQLite: its driver begins a transaction only before a write, so SELECTs run autocommitted already, and
    switching the isolation level (and back when the connection returns to the pool) would only cost CPU.
    """
    session = db.plain_session()
    if not session.in_transaction() and session.get_bind().dialect.name != "sqlite":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@bp.post("/auth/token")
def token() -> Any:
    """Exchange username and password for a bearer token (throttled per address like the web sign-in)."""
    body = request.get_json(silent=True) or {}
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return error_response(422, "invalid", "send username and password",
                              {"username": "required", "password": "required"})
    result = accounts.sign_in(db.session, username, password, request.remote_addr or "unknown",
                              ThrottleRule.from_config(current_app.config))
    if result.throttled:
        response = error_response(429, "too_many_requests", "too many failed sign-ins from your address; "
                                  f"try again in {result.retry_after} seconds")
        response.headers["Retry-After"] = str(result.retry_after)
        return response
    if result.user is None:
        return error_response(401, "unauthorized", "wrong username or password (or the account is locked)")
    value, issued = accounts.issue_token(db.session, result.user, float(current_app.config["API_TOKEN_HOURS"]))
    return {"token": value, "username": result.user.username,
            "expires_at": issued.expires_at.isoformat() if issued.expires_at else None}, 201


@bp.delete("/auth/token")
@require()
def revoke_token() -> Any:
    """Revoke the presented bearer token (sign out of the API)."""
    accounts.revoke_token(db.session, request.headers["Authorization"][7:].strip())
    return "", 204
