"""The notification bell: my in-app notices, marked read when opened."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.accounts.web_access import login_required, staff
from webapp.extensions import db
from webapp.models import Case
from webapp.outbox import inapp as service

bp = Blueprint("notices", __name__, url_prefix="/notices")


def notice_text(template: str, payload: dict[str, Any]) -> str:
    """One line for a notice, from its template name and payload."""
    number = payload.get("case_number", "")
    known = {
        "deadline_missed": _("Deadline missed on %(n)s", n=number),
        "deadline_warning": _("Deadline at risk on %(n)s", n=number),
        "task_assigned": _("A task of %(n)s was given to you", n=number),
        "case_registered": _("New case %(n)s", n=number),
        "closed": _("Case %(n)s was closed", n=number),
        "escalated": _("Case %(n)s was escalated", n=number),
        "crisis": _("Crisis: case %(n)s needs the crisis team", n=number),
        "crisis_alert": _("Crisis: case %(n)s needs the crisis team", n=number),
        "crisis_report": _("Crisis report on %(n)s", n=number),
        "case_escalated": _("Case %(n)s was escalated", n=number),
        "deadline_escalation": _("Deadline missed on %(n)s", n=number),
        "assessment_proposed": _("An assessment is proposed on %(n)s", n=number),
        "assessment_to_decide": _("Decide the assessment proposed on %(n)s", n=number),
        "assessment_to_carry_out": _("Carry out the assessment accepted on %(n)s", n=number),
        "case_closed": _("Case %(n)s was closed", n=number),
        "sales_lead": _("Sales lead from %(n)s", n=number),
        "inquiry_coordination_notice": _("Inquiry %(n)s needs your department's answer", n=number),
        "inquiry_reply_ready": _("The answer to inquiry %(n)s is ready", n=number),
        "rescue_notice": _("Rescue needed: %(n)s", n=number),
        "new_failure_notice": _("New failure mode reported: %(n)s", n=number),
        "engineering_report": _("New failure mode for engineering: %(n)s", n=number),
        "customer_message": _("The customer wrote about %(n)s", n=number),
    }
    if template in known:
        return known[template]
    text = payload.get("message") or payload.get("subject") or template.replace("_", " ").capitalize()
    return f"{text} · {number}" if number else str(text)


@bp.get("/")
@login_required
def index() -> str:
    """My notices, newest first."""
    before = request.args.get("before", type=int)
    items = service.recent(db.session, staff(), 50, before)
    return render_template("notices/index.html", items=items, notice_text=notice_text,
                           more=items[-1].id if len(items) == 50 else None)


@bp.post("/<int:notice_id>/read")
@login_required
def read(notice_id: int) -> Response:
    """Mark a notice read and open its case."""
    row = service.mark_read(db.session, staff(), notice_id)
    number = (row.payload or {}).get("case_number")
    if not number and row.case_id:
        case = db.session.get(Case, row.case_id)
        number = case.number if case else None
    return redirect(url_for("cases.show", number=number) if number else url_for("notices.index"))


@bp.post("/read-all")
@login_required
def read_all() -> Response:
    """Mark every notice read."""
    n = service.mark_all_read(db.session, staff())
    flash(_("%(n)d notices marked read.", n=n), "success")
    return redirect(url_for("notices.index"))
