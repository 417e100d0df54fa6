"""Customer pages without sign-in: submit a complaint (web channel) and look up a case by number + phone."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.cases import public
from webapp.errors import Invalid, NotFound
from webapp.extensions import db
from webapp.masterdata.choices import choices
from webapp.security import rates

bp = Blueprint("public", __name__, url_prefix="/public")
HONEYPOT = "website"  # hidden from people; bots fill it


def _client() -> str:
    return request.remote_addr or "unknown"


def _allowed(what: str) -> bool:
    cfg = current_app.config
    return rates.allow(db.session, f"{what}:{_client()}", int(cfg["PUBLIC_RATE_LIMIT"]),
                        int(cfg["PUBLIC_RATE_WINDOW_SECONDS"]))


def _too_many() -> tuple[str, int]:
    return render_template("public/message.html", title=_("Please wait"),
                           message=_("Too many requests from your network. Please try again in a few minutes.")), 429


@bp.route("/complaint", methods=["GET", "POST"])
def intake() -> tuple[str, int]:
    """The complaint form; a filled honeypot gets the thank-you page but registers nothing."""
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", HONEYPOT)}
    if request.method == "GET":
        return _intake_page({}, {}, 200)
    if request.form.get(HONEYPOT):
        return render_template("public/thanks.html", number=None), 200
    if not _allowed("intake"):
        return _too_many()
    errors: dict[str, str] = {}
    for required in ("name", "description"):
        if not (request.form.get(required) or "").strip():
            errors[required] = _("this field is required")
    if not (request.form.get("phone") or request.form.get("email") or "").strip():
        errors["phone"] = _("Give a phone number or an e-mail address so that we can answer you.")
    if not errors:
        try:
            case = public.submit(db.session, request.form.to_dict(), str(get_locale() or "en"))
            return render_template("public/thanks.html", number=case.number), 201
        except Invalid as exc:
            db.session.rollback()
            errors = {k.split(".")[-1]: v for k, v in (exc.fields or {}).items()}
        except NotFound:
            db.session.rollback()
            return render_template("public/message.html", title=_("Sorry"),
                                   message=_("We cannot take complaints online right now. Please call us.")), 503
    return _intake_page(values, errors, 422)


def _intake_page(values: dict[str, str], errors: dict[str, str], code: int) -> tuple[str, int]:
    return render_template("public/intake.html", values=values, errors=errors,
                           categories=choices(db.session, "category")), code


@bp.route("/status", methods=["GET", "POST"])
def status() -> tuple[str, int]:
    """A case's public status when its number and the customer's phone match."""
    if request.method == "GET":
        # the link in the customer's mails carries the case number; the phone is asked for
        number = (request.args.get("number") or "").strip()[:40]
        return render_template("public/status.html", result=None, asked=False, values={"number": number}), 200
    if not _allowed("status"):
        return _too_many()
    number, phone = request.form.get("number", ""), request.form.get("phone", "")
    result = public.status(db.session, number, phone)
    return render_template("public/status.html", result=result, asked=True,
                           values={"number": number, "phone": phone}), 200 if result else 404


@bp.post("/status/survey")
def survey() -> tuple[str, int]:
    """The customer rates the handling (1-5 and a comment) after number and phone matched again."""
    if not _allowed("status"):
        return _too_many()
    number, phone = request.form.get("number", ""), request.form.get("phone", "")
    score = request.form.get("score", type=int)
    if score is None or not 1 <= score <= 5:
        result = public.status(db.session, number, phone)
        return render_template("public/status.html", result=result, asked=True, survey_error=True,
                               values={"number": number, "phone": phone}), 422
    if not public.record_survey(db.session, number, phone, score, request.form.get("comment", "")):
        db.session.rollback()
        return render_template("public/message.html", title=_("Sorry"),
                               message=_("This case cannot be rated now.")), 409
    return render_template("public/message.html", title=_("Thank you"),
                           message=_("Thank you for your rating. It is kept with your case.")), 200


legacy = Blueprint("public_legacy", __name__)


@legacy.get("/complaint")
def old_complaint() -> Response:
    """The address printed in older notes: the public complaint form lives under /public/."""
    return redirect(url_for("public.intake"), 301)


@legacy.get("/status")
def old_status() -> Response:
    """The address printed in older notes: the public status page lives under /public/."""
    return redirect(url_for("public.status"), 301)
