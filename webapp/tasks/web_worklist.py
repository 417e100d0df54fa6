"""The worklist (home page after sign-in): tabs, filters, keyset paging, claim / unclaim / reassign."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.accounts.web import safe_next
from webapp.accounts.web_access import login_required, staff
from webapp.cases.intake import KINDS
from webapp.engine.clock import now
from webapp.errors import ServiceError
from webapp.extensions import db
from webapp.masterdata.choices import choices
from webapp.models import HumanTask, User
from webapp.tasks import service as tasks
from webapp.tasks.worklist import TaskFilters, group_members, list_tasks
from webapp.web.header import header_counts
from webapp.web.i18n import DeadlineText, group_name, pack_text
from webapp.web.labels import label
from webapp.workflow.definitions import process_names

bp = Blueprint("worklist", __name__)
TABS = ("mine", "group", "overdue", "team")
GRADES = ("G1", "G2", "G3", "G4")


def tabs_for(user: User) -> list[str]:
    """The tabs a user sees: Team only for supervisors (and admins)."""
    return [t for t in TABS if t != "team" or user.supervised_keys or user.has_role("admin")]


@bp.get("/")
@login_required
def index() -> str | Response:
    """One tab of open tasks, by deadline, with filters and a next-page link (an administrator's home is /admin)."""
    user = staff()
    if user.has_role("admin") and not user.group_keys - {"admin"} and not request.args:
        return redirect(url_for("admin.index"))
    tabs = tabs_for(user)
    scope = request.args.get("tab") or ("mine" if _has_mine(user) else "group")
    if scope not in tabs:
        scope = "mine"
    filters = TaskFilters(grade=request.args.get("grade") or None, kind=request.args.get("kind") or None,
                          category=request.args.get("category") or None,
                          process=request.args.get("process") or None)
    cursor, limit = request.args.get("cursor") or None, request.args.get("limit", 50, type=int) or 50
    try:
        page = list_tasks(db.session, user, scope, filters, cursor, limit)
    except ServiceError as exc:
        flash(exc.message, "error")
        page = list_tasks(db.session, user, scope, filters, None)
    team = scope in ("team", "group") and (user.supervised_keys or user.has_role("admin"))
    colleagues = group_members(db.session, {t.group_key for t in page.items if t.group_key}) if team else {}
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return render_template("worklist/index.html", rows=_rows(page.items, user, colleagues), page=page,
                           scope=scope, tabs=tabs, filters=filters, grades=GRADES, kinds=KINDS, args=args,
                           kind_labels={k: label("kind", k) for k in KINDS},
                           categories=choices(db.session, "category"), processes=_processes())


def _processes() -> list[tuple[str, str]]:
    """Deployed processes as (key, name in the user's language), by name."""
    names = {key: pack_text(name) for key, name in process_names(db.session).items()}
    return sorted(names.items(), key=lambda item: item[1].lower())


def _rows(items: list[HumanTask], user: User, colleagues: dict[str, list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """Everything a row shows, computed once here: a 50-row page stays cheap to render."""
    deadline = DeadlineText(now())
    groups: dict[str | None, str] = {}
    admin, supervised, mine = user.has_role("admin"), user.supervised_keys, user.group_keys
    rows = []
    for t in items:
        if t.group_key not in groups:
            groups[t.group_key] = group_name(t.group_key)
        text, css, exact = deadline(t.due_at)
        can_claim = not t.assignee and (t.group_key in mine or admin)
        rows.append({"t": t, "group": groups[t.group_key], "due": text, "due_class": css, "due_exact": exact,
                     "can_claim": can_claim, "can_unclaim": t.assignee == user.username,
                     "assign_to": colleagues.get(t.group_key or "") if admin or t.group_key in supervised else None})
    return rows


def _has_mine(user: User) -> bool:
    return header_counts()["open"] > 0


def _back() -> Response:
    return redirect(safe_next(request.form.get("next"), "worklist.index"))


def _act(work: Callable[[], HumanTask], done: Callable[[HumanTask], str]) -> Response:
    """Run one task action; flash what happened (or why not) and go back."""
    try:
        flash(done(work()), "success")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return _back()


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Response:
    """Take a task of my group's queue."""
    return _act(lambda: tasks.claim(db.session, task_id, staff()),
                lambda t: _("You have claimed “%(title)s” of %(case)s.", title=pack_text(t.title),
                            case=t.case_number or ""))


@bp.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Response:
    """Give a task back to its group's queue."""
    return _act(lambda: tasks.unclaim(db.session, task_id, staff()),
                lambda t: _("“%(title)s” is back in the queue of %(group)s.", title=pack_text(t.title),
                            group=group_name(t.group_key)))


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int) -> Response:
    """Supervisors give a task to a named colleague (recorded in the timeline)."""
    username = (request.form.get("username") or "").strip()
    return _act(lambda: tasks.assign(db.session, task_id, username, staff()),
                lambda t: _("“%(title)s” is now with %(user)s.", title=pack_text(t.title), user=username))


@bp.get("/home")
@login_required
def home() -> Response:
    """Alias of the worklist."""
    return redirect(url_for("worklist.index"))
