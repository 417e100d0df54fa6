"""The lessons register page (`/lessons`): search what step-6 reviews learned; owners mark improvements done."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from webapp.accounts.web_access import login_required, staff
from webapp.engine.clock import now
from webapp.errors import ServiceError
from webapp.extensions import db
from webapp.lessons import service

bp = Blueprint("lessons", __name__, url_prefix="/lessons")


@bp.get("/")
@login_required
def index() -> Any:
    """Lessons matching `q`, `category` and `state`; the owner of an open improvement can mark it done."""
    q, category, state = (request.args.get(k, "").strip() for k in ("q", "category", "state"))
    try:
        rows = service.search(db.session, q[:200], category, state)
    except ServiceError as exc:
        flash(exc.message, "error")
        return _page(service.search(db.session), "", "", ""), exc.status
    return _page(rows, q, category, state)


def _page(rows: list[Any], q: str, category: str, state: str) -> str:
    return render_template("lessons/index.html", rows=rows, q=q, category=category, state=state,
                           categories=service.categories(db.session), today=now().date(), overdue=service.overdue,
                           me=staff())


@bp.post("/<int:lesson_id>/done")
@login_required
def done(lesson_id: int) -> Any:
    """The improvement's owner marks it done."""
    try:
        service.mark_done(db.session, lesson_id, staff())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _page(service.search(db.session), "", "", ""), exc.status
    flash(_("Improvement marked done."), "success")
    return redirect(url_for("lessons.index"))
