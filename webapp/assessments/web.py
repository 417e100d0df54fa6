"""The assessment register page (`/assessments`): every proposal; integrated management decides, finance
records it carried out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.accounts.web_access import role_required, staff
from webapp.assessments import process, service
from webapp.cases import event_words
from webapp.errors import ServiceError
from webapp.extensions import db

bp = Blueprint("assessments", __name__, url_prefix="/assessments")


@bp.get("/")
@role_required(*service.VIEWERS)
def index() -> Any:
    """The register: every assessment with its state, target, rule, amount and case; actions for the user."""
    state = request.args.get("state", "")
    try:
        rows = service.register(db.session, state or None)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("assessments.index"))
    return _page(rows, state)


@bp.post("/<int:assessment_id>/decision")
@role_required(*service.DECIDERS)
def decide(assessment_id: int) -> Any:
    """Integrated management accepts or rejects one proposal."""
    try:
        process.decide(db.session, assessment_id, request.form.to_dict(), staff())
    except ServiceError as exc:
        db.session.rollback()
        return _error(exc)
    flash(_("Assessment decided."), "success")
    return redirect(url_for("assessments.index"))


@bp.post("/<int:assessment_id>/execution")
@role_required(*service.EXECUTORS)
def execute(assessment_id: int) -> Any:
    """Finance records an accepted assessment as carried out."""
    try:
        process.execute(db.session, assessment_id, request.form.to_dict(), staff())
    except ServiceError as exc:
        db.session.rollback()
        return _error(exc)
    flash(_("Assessment recorded as carried out."), "success")
    return redirect(url_for("assessments.index"))


def _error(exc: ServiceError) -> Any:
    flash(exc.message + "".join(f" ({k}: {v})" for k, v in (exc.fields or {}).items()), "error")
    return _page(service.register(db.session), ""), exc.status


def _page(rows: list[Any], state: str) -> str:
    """The register with the open worklist task of each row and the actions of the user."""
    user = staff()
    return render_template("assessments/index.html", rows=rows, state=state, states=service.STATES,
                           tasks=process.open_tasks(db.session, rows),
                           can_decide=user.has_role(*service.DECIDERS),
                           can_execute=user.has_role(*service.EXECUTORS), rule_text=event_words.rule_text)

