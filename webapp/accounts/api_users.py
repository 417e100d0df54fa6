"""Users and groups API (admins): list/search, create, change, deactivate, reactivate, reset password; groups."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from webapp.accounts import directory, group_changes, groups
from webapp.accounts.api import api_user, require
from webapp.accounts.visibility import all_readers
from webapp.api import bp
from webapp.errors import Invalid
from webapp.extensions import db


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("send a JSON object", {"": "expected application/json object"})
    return data


def _active(value: str | None) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get((value or "").lower())


@bp.get("/users")
@require("admin")
def users_list() -> Any:
    """Users by username, a page at a time (?after=<next_after>, ?limit= up to 500); ?q= (username, name, e-mail),
    ?group=, ?active=true|false."""
    a = request.args
    found, next_after = directory.find_users(db.session, a.get("q"), a.get("group") or None,
                                             _active(a.get("active")), a.get("after") or None,
                                             a.get("limit", type=int) or directory.PAGE)
    return {"items": [directory.user_json(u) for u in found], "next_after": next_after}


@bp.post("/users")
@require("admin")
def users_create() -> Any:
    """Create a user; without 'password' one is generated and returned once as 'password'."""
    user, generated = directory.create(db.session, api_user(), _body())
    body = directory.user_json(user) | ({"password": generated} if generated else {})
    return body, 201, {"Location": f"/api/v1/users/{user.username}", "Cache-Control": "private, no-store"}


@bp.get("/users/<username>")
@require("admin")
def users_show(username: str) -> Any:
    """One user with who supervises them and whom they supervise."""
    user = directory.get_user(db.session, username)
    return directory.user_json(user) | groups.supervision(db.session, user)


@bp.patch("/users/<username>")
@require("admin")
def users_update(username: str) -> Any:
    """Change name, email, language, groups, supervises (the fields given)."""
    return directory.user_json(directory.update(db.session, api_user(), username, _body()))


@bp.post("/users/<username>/deactivate")
@require("admin")
def users_deactivate(username: str) -> Any:
    """No more sign-in; every API token revoked."""
    reason = (request.get_json(silent=True) or {}).get("reason")
    return directory.user_json(directory.deactivate(db.session, api_user(), username, reason))


@bp.post("/users/<username>/reactivate")
@require("admin")
def users_reactivate(username: str) -> Any:
    """Allow sign-in again."""
    reason = (request.get_json(silent=True) or {}).get("reason")
    return directory.user_json(directory.reactivate(db.session, api_user(), username, reason))


@bp.post("/users/<username>/password")
@require("admin")
def users_password(username: str) -> Any:
    """Set {'password'} or, without one, generate it (returned once); the user's tokens are revoked."""
    generated = directory.reset_password(db.session, api_user(), username, request.get_json(silent=True) or {})
    body = {"username": username, "password": generated} if generated else {"username": username}
    return body, 200, {"Cache-Control": "private, no-store"}


@bp.get("/groups")
@require("admin")
def groups_list() -> Any:
    """Groups with members and supervisors; 'no_active_member' flags a group nobody active works."""
    return {"items": [g.as_dict() for g in groups.overview(db.session)]}


@bp.post("/groups")
@require("admin")
def groups_create() -> Any:
    """Create a group {'key', 'name'}."""
    data = _body()
    group = groups.create_group(db.session, api_user(), str(data.get("key") or ""), str(data.get("name") or ""),
                                data.get("reason"))
    return {"key": group.key, "name": group.name}, 201


@bp.patch("/groups/<key>")
@require("admin")
def groups_update(key: str) -> Any:
    """Rename a group {'name', 'reason'}; the key cannot change (diagrams, tasks and settings name it)."""
    data = _body()
    if "key" in data and data["key"] != key:
        raise Invalid("a group's key cannot change: deployed diagrams, open tasks and settings name it; change its "
                      "name instead", {"key": "cannot change"})
    group = group_changes.rename(db.session, api_user(), key, str(data.get("name") or ""), data.get("reason"))
    return group_changes.as_dict(group)


@bp.delete("/groups/<key>")
@require("admin")
def groups_delete(key: str) -> Any:
    """Delete a group nothing uses (409 lists what still does); its memberships go with it."""
    reason = (request.get_json(silent=True) or {}).get("reason")
    members = group_changes.delete(db.session, api_user(), key, reason, all_readers(current_app.config))
    return {"key": key, "removed_members": members}
