"""Cases: register (any staff member, R2), the case page with its timeline, and case search."""

from __future__ import annotations

from datetime import date
from functools import partial

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.accounts import visibility
from webapp.accounts.web_access import login_required, staff
from webapp.cases import comments as comment_service
from webapp.cases import page as casepage
from webapp.cases import search as case_search
from webapp.cases import service as cases
from webapp.cases.intake import KINDS, rule_errors
from webapp.cases.intake_form import register_schema
from webapp.cases.timeline import group_by_step
from webapp.errors import Invalid, NotFound
from webapp.extensions import db
from webapp.lessons.service import similar
from webapp.security.limits import EARLIEST_DAY, LATEST_DAY, day_in_range
from webapp.tasks.formfields import build_fields, merge_for_display, parse_form
from webapp.tasks.web_worklist import GRADES
from webapp.workflow.forms import field_errors

bp = Blueprint("cases", __name__, url_prefix="/cases")
STATUSES = ("open", "handling", "executing", "follow_up", "reopened", "closed", "closed_malicious", "terminated")


def _lang() -> str:
    return str(get_locale() or "en").split("_")[0]


def _register_page(values: dict, errors: dict[str, str], status: int = 200) -> tuple[str, int]:
    schema = register_schema(db.session)
    fields = build_fields(schema, values, errors, _lang(), str(get_timezone()))
    known = {f.name for f in fields} | {c.name for f in fields for c in f.children}
    general = [msg if not key else f"{key}: {msg}" for key, msg in errors.items() if key not in known]
    return render_template("cases/register.html", fields=fields, general_errors=general), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def register() -> Response | tuple[str, int]:
    """Register a case on behalf of a customer; solved on the spot (R1) records and closes it."""
    if request.method == "GET":
        start = {"channel": "phone", "kind": "grievance", "customer": {"language": _lang()}}  # mail as I speak
        return _register_page(start, {})
    schema = register_schema(db.session)
    data, bad, raw = parse_form(schema, request.form, str(get_timezone()))
    errors = {**field_errors(schema, data), **bad, **{k: _(v) for k, v in rule_errors(data).items()}}
    if errors:
        return _register_page(merge_for_display(data, raw, bad), errors, 422)
    try:
        case = cases.register(db.session, data, staff().username)
    except Invalid as exc:
        db.session.rollback()
        return _register_page(merge_for_display(data, raw, bad), exc.fields or {"": exc.message}, 422)
    except NotFound as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _register_page(merge_for_display(data, raw, bad), {}, 409)
    flash(_("Case %(number)s registered.", number=case.number), "success")
    return redirect(url_for("cases.show", number=case.number, registered=1))


@bp.get("/<number>")
@login_required
def show(number: str) -> str:
    """The case: header, summary, open tasks, timeline, comments and attachments."""
    case = visibility.readable_case(db.session, number, staff(), visibility.all_readers(current_app.config))
    context = casepage.summary(db.session, case, with_events=True, lang=_lang())
    similar_lessons, similar_cases = similar(db.session, case)
    return render_template(
        "cases/show.html", open_tasks=cases.open_tasks(db.session, case),
        comments=comment_service.comments(db.session, case),
        attachments=comment_service.attachments(db.session, case),
        registered=request.args.get("registered") == "1",
        event_line=partial(casepage.event_line, technical=staff().has_role("admin")),
        form_data=casepage.form_fields_shown(db.session, case, _lang()),
        steps=group_by_step(context["events"] or []),
        max_mb=current_app.config["MAX_ATTACHMENT_BYTES"] // (1024 * 1024),
        allowed=", ".join(sorted(comment_service.ALLOWED)), similar_lessons=similar_lessons,
        similar_cases=similar_cases, **context)


def _date(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        flash(_("Not a date: %(v)s", v=value), "error")
        return None
    if day is not None and not day_in_range(day):
        flash(_("A date from %(first)s to %(last)s, please: %(v)s", first=EARLIEST_DAY.isoformat(),
                last=LATEST_DAY.isoformat(), v=value), "error")
        return None
    return day


@bp.get("/")
@login_required
def search() -> str:
    """Search by number, customer name/phone, status, grade, kind, category, date range and deadline state."""
    a = request.args
    query = case_search.CaseQuery(
        text=a.get("q", ""), status=a.get("status", ""), grade=a.get("grade", ""), kind=a.get("kind", ""),
        category=a.get("category", ""), date_from=_date(a.get("from")), date_to=_date(a.get("to")),
        timezone=str(get_timezone()), registered_by=staff().username if a.get("mine") else "",
        deadline=a.get("deadline", ""))
    before = a.get("before", type=int)
    rows, more = case_search.search(db.session, query, before, viewer=staff(),
                                    readers=visibility.all_readers(current_app.config))
    if len(rows) == 1 and query.text and rows[0].number == query.text.strip().upper() and not before:
        return redirect(url_for("cases.show", number=rows[0].number))  # type: ignore[return-value]
    args = {k: v for k, v in a.items() if k != "before" and v}
    return render_template("cases/search.html", rows=rows, more=more, args=args, q=a, statuses=STATUSES,
                           grades=GRADES, kinds=KINDS, categories=case_search.categories(db.session))
