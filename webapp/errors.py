"""Errors services raise; the API and the pages turn them into 4xx answers."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of expected, user-facing failures."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None, *, key: str | None = None,
                 params: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.key = key  # a message code, for an error stored to be shown later in the reader's language
        self.params = params or {}


class NotFound(ServiceError):
    """The thing asked for does not exist (or is not visible to the user)."""

    status, code = 404, "not_found"


class Forbidden(ServiceError):
    """The user's role does not allow this."""

    status, code = 403, "forbidden"


class Conflict(ServiceError):
    """The state changed under the user (already completed, claimed by someone else, stale version)."""

    status, code = 409, "conflict"


class Invalid(ServiceError):
    """Input that fails validation; `fields` says what to fix."""

    status, code = 422, "invalid"


def lost_race(exc: BaseException) -> bool:
    """True when a concurrent writer won: the instance's version check (StaleDataError), or PostgreSQL chose this
    transaction as a deadlock or serialization victim and rolled it back whole (SQLSTATE 40P01 / 40001)."""
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(exc, StaleDataError):
        return True
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")
