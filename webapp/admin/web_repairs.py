"""Repair actions from the instance page: one POST per action, a reason each; data edits show a diff first."""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from webapp.accounts.web_access import role_required, staff
from webapp.admin import actions as admin
from webapp.admin import repair as admin_repair
from webapp.admin.actions import ActionResult
from webapp.admin.bulk import perform
from webapp.admin.instances import detail
from webapp.admin.web import bp, stuck_settings
from webapp.admin.web_instances import page_context
from webapp.errors import Conflict, Invalid, ServiceError
from webapp.extensions import db
from webapp.web.labels import label

FORM_ACTIONS = ("retry", "skip", "reassign", "suspend", "resume", "terminate", "fire_timer", "redeliver", "reset")


def _refused(instance_id: int, exc: ServiceError) -> Any:
    """Show the instance page again with the refusal (HTTP status of the error: 409, 422, 404...)."""
    db.session.rollback()
    flash(exc.message, "error")
    info = detail(db.session, instance_id, stuck_settings())
    return render_template("admin/instance.html", **page_context(info), refused=exc.message), exc.status


@bp.post("/instances/<int:instance_id>/do/<action>")
@role_required("admin")
def act(instance_id: int, action: str) -> Any:
    """Run one action from its form and come back to the instance page with the result."""
    if action not in FORM_ACTIONS:
        return _refused(instance_id, Conflict(f"unknown action '{action}'"))
    params: dict[str, Any] = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if action == "skip":
        try:
            params["data"] = json.loads(params.get("data") or "{}")
        except ValueError as exc:
            return _refused(instance_id, Invalid(f"the data is not valid JSON: {exc}", {"data": str(exc)}))
    try:
        result = perform(db.session, instance_id, staff(), action, params)
    except ServiceError as exc:
        return _refused(instance_id, exc)
    flash(said(action, result, params.get("username")), "success" if result.ok else "warning")
    return redirect(url_for("admin.instance", instance_id=instance_id), code=303)


def said(action: str, result: ActionResult, username: str | None = None) -> str:
    """The result banner in words: the action, done or failed, and the instance's status by its label (a failure
    keeps the engine's message, a reassignment says to whom)."""
    text = gettext("%(action)s: %(result)s; the instance is now: %(status)s.", action=label("audit_action", action),
                   result=label("result", "ok" if result.ok else "failed"), status=label("status", result.status))
    if action == "reassign" and result.ok:
        text += " " + (gettext("The task went to %(user)s.", user=username) if username else
                       gettext("The task is back in its queue."))
    return text if result.ok else f"{text} {result.message}"


@bp.route("/instances/<int:instance_id>/data", methods=["GET", "POST"])
@role_required("admin")
def edit_data(instance_id: int) -> Any:
    """Edit the workflow data as JSON: 'Preview' validates and shows the diff; 'Save' (on the preview) writes it."""
    info = detail(db.session, instance_id, stuck_settings())
    inst = info.instance
    text = request.form.get("data") if request.method == "POST" else json.dumps(
        info.data, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    reason = request.form.get("reason", "")
    diff, error, status = None, None, 200
    if request.method == "POST":
        try:
            if request.form.get("step") == "save":
                if str(inst.lock_version) != request.form.get("lock_version"):
                    raise Conflict("the instance changed since your preview; check the differences again")
                result = admin_repair.edit_data(db.session, instance_id, staff(), reason, text or "")
                flash(said("edit_data", result), "success")
                return redirect(url_for("admin.instance", instance_id=instance_id), code=303)
            admin.check_admin(staff())
            diff = admin_repair.preview_data(db.session, instance_id, staff(), text or "")
            if not any(diff.values()):
                error = "nothing changed"
        except ServiceError as exc:
            db.session.rollback()
            error, status, diff = exc.message, exc.status, None
    return render_template("admin/data.html", inst=inst, case=info.case, text=text, reason=reason, diff=diff,
                           error=error, dumps=_dumps, offered="edit_data" in info.actions), status


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
