"""Sign in (with lockout after repeated failures), sign out, change password, language and time zone."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from webapp.accounts import landing
from webapp.accounts import signin as accounts
from webapp.accounts.service import save_preferences
from webapp.accounts.throttle import ThrottleRule
from webapp.accounts.web_access import login_required, staff
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import User
from webapp.web.i18n import LANGUAGES, normalize_language, valid_timezone

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str = "worklist.index") -> str:
    """A local redirect target only (no open redirects)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(default)


def home_of(user: User) -> str:
    """Where a user lands after sign-in (accounts.landing.home): process owners on their processes, managers with
    no task of their own on the reports, everyone else on the worklist."""
    endpoint = f"{landing.home(db.session, user)}.index"
    return endpoint if endpoint in current_app.view_functions else "worklist.index"


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """The sign-in form; five wrong passwords lock the account for a while (users.authenticate)."""
    error = None
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        result = accounts.sign_in(db.session, username, password, request.remote_addr or "unknown",
                                  ThrottleRule.from_config(current_app.config))
        if result.throttled:
            error = _("Too many failed sign-ins from your network. Wait a few minutes and try again.")
            page = render_template("auth/login.html", error=error, username=username,
                                   next=request.args.get("next", ""))
            return Response(page, 429, {"Retry-After": str(result.retry_after)}, mimetype="text/html")
        user = result.user
        if user is not None:
            chosen = normalize_language(session.get("lang"))  # picked on the sign-in page: keep it
            session.clear()  # no fixation: a fresh session for the signed-in user
            if chosen and chosen != user.language:
                save_preferences(db.session, user, language=chosen)
            login_user(user)
            return redirect(safe_next(request.args.get("next") or request.form.get("next"), home_of(user)))
        error = _("Wrong username or password. After %(n)d failed attempts the account is locked for "
                  "%(m)d minutes.", n=accounts.MAX_FAILED_LOGINS, m=accounts.LOCK_BASE_SECONDS // 60 or 1)
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username,
                           next=request.args.get("next", "")), status  # type: ignore[return-value]


@bp.post("/logout")
def logout() -> Response:
    """Sign out."""
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> str | Response:
    """Change password, language and time zone."""
    user = staff()
    errors: dict[str, str] = {}
    if request.method == "POST":
        current = request.form.get("current_password") or ""
        new, again = request.form.get("new_password") or "", request.form.get("new_password_again") or ""
        if new != again:
            errors["new_password_again"] = _("The two new passwords differ.")
        else:
            try:
                accounts.change_password(db.session, user, current, new)  # also revokes every API token
            except Invalid as exc:
                db.session.rollback()
                if "current_password" in (exc.fields or {}):
                    errors["current_password"] = _("This is not your current password.")
                else:
                    errors["new_password"] = _("Use at least 8 characters.")
        if not errors:
            login_user(user)  # the session id includes the password digest: renew it
            flash(_("Your password was changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", errors=errors), 422 if errors else 200  # type: ignore[return-value]


@bp.post("/account/preferences")
@login_required
def preferences() -> Response:
    """Save language and time zone on the user."""
    user = staff()
    lang = normalize_language(request.form.get("language"))
    tz = (request.form.get("timezone") or "").strip()
    if tz and not valid_timezone(tz):
        flash(_("Unknown time zone: %(tz)s", tz=tz), "error")
        tz = ""
    save_preferences(db.session, user, language=lang, timezone=tz)
    flash(_("Preferences saved."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/language")
def language() -> Response:
    """The header's language switcher: remembered on the user (or in the session before sign-in)."""
    lang = normalize_language(request.form.get("language"))
    if lang:
        session["lang"] = lang
        user = staff() if getattr(staff(), "is_authenticated", False) else None
        if user is not None:
            save_preferences(db.session, user, language=lang)
    return redirect(safe_next(request.form.get("next"), "auth.login"))


__all__ = ["LANGUAGES", "bp", "safe_next"]
