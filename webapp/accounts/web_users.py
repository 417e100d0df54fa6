"""Users and groups pages of the admin console (/admin/users, /admin/groups); the rules are in directory.py."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.accounts import directory, group_changes, groups
from webapp.accounts.visibility import all_readers
from webapp.accounts.web_access import role_required, staff
from webapp.admin.web import bp
from webapp.errors import ServiceError
from webapp.extensions import db
from webapp.tasks import service as tasks


def _form() -> dict[str, Any]:
    """The user form as the service takes it (memberships only when the form carries them)."""
    form = request.form
    data: dict[str, Any] = {k: form.get(k, "") for k in ("username", "name", "email", "language", "password",
                                                          "reason") if k in form}
    if form.get("memberships"):
        data["groups"], data["supervises"] = form.getlist("groups"), form.getlist("supervises")
    return data


def _list_page(status: int = 200, error: str | None = None, draft: dict[str, Any] | None = None) -> Any:
    a = request.args
    active = {"yes": True, "no": False}.get(a.get("active", ""))
    found, next_after = directory.find_users(db.session, a.get("q"), a.get("group") or None, active,
                                             a.get("after") or None)
    more = {k: v for k, v in a.items() if k in ("q", "group", "active") and v}
    return render_template("admin/users.html", users=found, args=a, error=error, draft=draft or {},
                           next_after=next_after, more=more, group_keys=directory.group_keys(db.session)), status


def _user_page(username: str, status: int = 200, error: str | None = None, generated: str | None = None) -> Any:
    user = directory.get_user(db.session, username)
    page = render_template("admin/user.html", user=user, error=error, generated=generated,
                           supervision=groups.supervision(db.session, user),
                           reserved=tasks.reserved_by(db.session, user.username),
                           group_keys=directory.group_keys(db.session))
    return page, status, {"Cache-Control": "private, no-store"}  # a generated password is shown once, never cached


@bp.get("/users")
@role_required("admin")
def users() -> Any:
    """Users with search (name, e-mail), group and active filters, and the form to add one."""
    return _list_page()


@bp.post("/users")
@role_required("admin")
def user_create() -> Any:
    """Add a user; a generated password is shown once on the user's page."""
    try:
        user, generated = directory.create(db.session, staff(), _form())
    except ServiceError as exc:
        db.session.rollback()
        return _list_page(exc.status, exc.message, dict(request.form))
    flash(_("User %(name)s created.", name=user.username), "success")
    return _user_page(user.username, 201, generated=generated)


@bp.get("/users/<username>")
@role_required("admin")
def user(username: str) -> Any:
    """One user: profile, groups and supervision, deactivate or reactivate, reset the password."""
    return _user_page(username)


@bp.post("/users/<username>")
@role_required("admin")
def user_update(username: str) -> Any:
    """Save the profile and memberships."""
    try:
        directory.update(db.session, staff(), username, _form())
    except ServiceError as exc:
        db.session.rollback()
        return _user_page(username, exc.status, exc.message)
    flash(_("Changes to %(name)s saved.", name=username), "success")
    return redirect(url_for("admin.user", username=username), code=303)


@bp.post("/users/<username>/<action>")
@role_required("admin")
def user_action(username: str, action: str) -> Any:
    """Deactivate, reactivate or reset the password (a generated one is shown once)."""
    generated = None
    try:
        if action == "deactivate":
            directory.deactivate(db.session, staff(), username, request.form.get("reason"))
            flash(_("%(name)s can no longer sign in; their API tokens are revoked.", name=username), "success")
            if request.form.get("release_tasks") == "yes":
                released = tasks.release_all(db.session, username, staff())
                if released:
                    flash(_("%(n)s tasks reserved by %(name)s are back in their groups' queues.", n=released,
                            name=username), "success")
        elif action == "reactivate":
            directory.reactivate(db.session, staff(), username, request.form.get("reason"))
            flash(_("%(name)s can sign in again.", name=username), "success")
        elif action == "password":
            generated = directory.reset_password(db.session, staff(), username, _form())
            flash(_("The password of %(name)s was reset; they are signed out everywhere.", name=username), "success")
        else:
            return _user_page(username, 404, _("Unknown action."))
    except ServiceError as exc:
        db.session.rollback()
        return _user_page(username, exc.status, exc.message)
    if generated:
        return _user_page(username, generated=generated)
    return redirect(url_for("admin.user", username=username), code=303)


def _groups_page(status: int = 200, error: str | None = None, draft: dict[str, Any] | None = None) -> Any:
    return render_template("admin/groups.html", groups=groups.overview(db.session), error=error,
                           draft=draft or {}), status


@bp.get("/groups")
@role_required("admin")
def groups_page() -> Any:
    """Groups with members and supervisors; a group with no active member is flagged."""
    return _groups_page()


@bp.post("/groups/<key>/<action>")
@role_required("admin")
def group_action(key: str, action: str) -> Any:
    """Rename a group (its key stays) or delete one nothing uses (a 409 page says what still uses it)."""
    form = request.form
    try:
        if action == "rename":
            group = group_changes.rename(db.session, staff(), key, form.get("name", ""), form.get("reason"))
            flash(_("Group %(key)s is now called %(name)s.", key=key, name=group.name), "success")
        elif action == "delete":
            members = group_changes.delete(db.session, staff(), key, form.get("reason"),
                                           all_readers(current_app.config))
            flash(_("Group %(key)s deleted.", key=key) + (" " + _("It no longer lists %(names)s as members.",
                                                               names=", ".join(members)) if members else ""),
                  "success")
        else:
            return _groups_page(404, _("Unknown action."))
    except ServiceError as exc:
        db.session.rollback()
        return _groups_page(exc.status, exc.message)
    return redirect(url_for("admin.groups_page"), code=303)


@bp.post("/groups")
@role_required("admin")
def group_create() -> Any:
    """Add a group."""
    form = request.form
    try:
        group = groups.create_group(db.session, staff(), form.get("key", ""), form.get("name", ""),
                                    form.get("reason"))
    except ServiceError as exc:
        db.session.rollback()
        return _groups_page(exc.status, exc.message, dict(form))
    flash(_("Group %(key)s created.", key=group.key), "success")
    return redirect(url_for("admin.groups_page"), code=303)
