"""The header's counters (my open and overdue tasks, unread notices), computed once per request."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_login import current_user

from webapp.accounts.web_access import has_endpoint
from webapp.extensions import db
from webapp.outbox.inapp import unread_count
from webapp.tasks.worklist import counts


def header_counts() -> dict[str, int]:
    """{open, overdue, unread} of the signed-in user (cached on flask.g for the request)."""
    if "header_counts" not in g:

        user = current_user._get_current_object()
        g.header_counts = {**counts(db.session, user), "unread": unread_count(db.session, user)}
    return g.header_counts  # type: ignore[no-any-return]


def header_context() -> dict[str, Any]:
    """Template context of every page: the counters when signed in, and has_endpoint."""

    if not current_user.is_authenticated:
        return {"has_endpoint": has_endpoint}
    return {"has_endpoint": has_endpoint, "header_counts": header_counts()}
