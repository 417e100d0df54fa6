"""The task page: case summary and the form rendered from the task's JSON Schema; draft and complete."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.accounts.web_access import login_required, staff
from webapp.cases import page as casepage
from webapp.cases.sofar import deciding
from webapp.errors import Conflict, Forbidden, Invalid
from webapp.extensions import db
from webapp.models import Case, HumanTask, Instance
from webapp.tasks import decisions
from webapp.tasks import service as tasks
from webapp.tasks.formfields import build_fields, draft_values, merge_for_display, parse_form
from webapp.web.i18n import group_name, localized, pack_text
from webapp.workflow.forms import field_errors
from webapp.workflow.thresholds import field_limits

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _lang() -> str:
    return str(get_locale() or "en").split("_")[0]


def _visible(task_id: int) -> HumanTask:
    task = tasks.get_task(db.session, task_id)
    if not tasks.can_see(staff(), task):
        abort(403, description=_("This task belongs to the group '%(group)s', which you are not in.",
                                 group=group_name(task.group_key)))
    return task


def _page(task: HumanTask, values: dict[str, Any], errors: dict[str, str], status: int = 200,
          confirm: str = "") -> tuple[str, int]:
    instance = db.session.get(Instance, task.instance_id)
    schema = tasks.form_schema(instance, task) if instance else None
    case = db.session.get(Case, task.case_id) if task.case_id else None
    fields = build_fields(schema, values, errors, _lang(), str(get_timezone()), limits=field_limits(instance, schema))
    known = {f.name for f in fields} | {c.name for f in fields for c in f.children}
    general = [msg if not key else f"{key}: {msg}" for key, msg in errors.items() if key not in known]
    context = casepage.summary(db.session, case, lang=_lang()) if case else {"case": None, "now": None}
    return render_template("tasks/show.html", task=task, fields=fields, general_errors=general,
                           form_title=localized(schema, "title") or pack_text(task.title),
                           form_help=localized(schema, "description"), instance=instance,
                           can_work=tasks.can_work(staff(), task), focus=deciding(task.spec_id),
                           confirm=confirm, **context), status


def _already(task: HumanTask, status: int) -> tuple[str, int]:
    db.session.expire_all()
    fresh = tasks.get_task(db.session, task.id)
    return render_template("tasks/already.html", task=fresh, next_tasks=tasks.next_tasks(db.session, fresh),
                           case=db.session.get(Case, fresh.case_id) if fresh.case_id else None), status


@bp.get("/<int:task_id>")
@login_required
def show(task_id: int) -> tuple[str, int]:
    """The task with its form (prefilled from the case data and my draft)."""
    task = _visible(task_id)
    if task.state != "open":
        return _already(task, 200)
    instance = db.session.get(Instance, task.instance_id)
    values = tasks.form_values(db.session, instance, task) if instance else dict(task.draft or {})
    return _page(task, values, {})


@bp.post("/<int:task_id>")
@login_required
def submit(task_id: int) -> Response | tuple[str, int]:
    """Save a draft or complete the task; invalid input comes back with the values kept."""
    task = _visible(task_id)
    if task.state != "open":
        return _already(task, 409)
    user = staff()
    instance = db.session.get(Instance, task.instance_id)
    schema = tasks.form_schema(instance, task) if instance else None
    data, bad, raw = parse_form(schema, request.form, str(get_timezone()))
    if request.form.get("action") == "draft":
        return _save_draft(task, draft_values(data, raw, bad))
    errors = {**(field_errors(schema, data) if schema else {}), **bad}
    if errors:
        return _page(task, merge_for_display(data, raw, bad), errors, 422)
    case = db.session.get(Case, task.case_id) if task.case_id else None
    confirm = decisions.needs_confirmation(data, request.form.get(decisions.CONFIRM_FIELD) == "yes", case)
    if confirm:
        return _page(task, merge_for_display(data, raw, bad), {}, 200, confirm=confirm)
    try:
        tasks.complete(db.session, task.id, data, user, keep_next=request.form.get("keep_next") == "yes")
    except Invalid as exc:
        db.session.rollback()
        return _page(task, merge_for_display(data, raw, bad), exc.fields or {"": exc.message}, 422)
    except Conflict as exc:
        db.session.rollback()
        fresh = db.session.get(HumanTask, task.id)
        if fresh is not None and fresh.state != "open":
            return _already(fresh, 409)
        flash(exc.message, "error")
        return _page(task, merge_for_display(data, raw, bad), {}, 409)
    except Forbidden as exc:
        db.session.rollback()
        abort(403, description=exc.message)
    return redirect(url_for("tasks.done", task_id=task.id))


def _save_draft(task: HumanTask, values: dict[str, Any]) -> Response:
    user = staff()
    if not tasks.can_work(user, task):
        abort(403, description=_("This task is claimed by %(user)s.", user=task.assignee or ""))
    task, claimed = tasks.save_draft(db.session, task.id, values, user)  # a draft is personal: claims the task
    if claimed:
        flash(_("You claimed this task so that your draft stays yours."), "info")
    flash(_("Draft saved. Nothing was sent yet."), "success")
    return redirect(url_for("tasks.show", task_id=task.id))


@bp.get("/<int:task_id>/done")
@login_required
def done(task_id: int) -> str:
    """What happened after completing: the next tasks and who has them, or the case's new status."""
    task = _visible(task_id)
    instance = db.session.get(Instance, task.instance_id)
    case = db.session.get(Case, task.case_id) if task.case_id else None
    return render_template("tasks/done.html", task=task, next_tasks=tasks.next_tasks(db.session, task),
                           instance=instance, case=case)
