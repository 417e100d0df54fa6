"""The staff web UI (and the public intake pages): Flask-Login, CSRF, Babel, blueprints, error pages.

`init_web(app)` is called once by the app factory. Blueprints of other teams (admin, processes ...)
register themselves in the factory and extend templates/base.html (see the docstring at its top);
`@role_required` from webapp.accounts.web_access guards their views.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, redirect, url_for
from werkzeug.wrappers import Response

from webapp.accounts.web_access import _install_login_protocol
from webapp.api import bp as api_bp
from webapp.config import ROOT
from webapp.extensions import babel, csrf, login_manager
from webapp.web.error_pages import register_error_pages
from webapp.web.header import header_context
from webapp.web.i18n import init_i18n, select_locale, select_timezone
from webapp.web.sessions import SigningOnceSessions

WEB_DEFAULTS: dict[str, Any] = {
    "WTF_CSRF_TIME_LIMIT": None,  # the token is bound to the session; a long form must not expire
    "BABEL_DEFAULT_LOCALE": "en",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
    "PUBLIC_RATE_LIMIT": 10,  # submissions/lookups per client address per window
    "PUBLIC_RATE_WINDOW_SECONDS": 600,
    "LOGIN_IP_FAILURES": 30,  # failed sign-ins per client address per window, on top of the account lockout
    "LOGIN_IP_WINDOW_SECONDS": 900,
}


def init_web(app: Flask, blueprints: Iterable[Blueprint]) -> None:
    """Initialise login, CSRF and Babel and register the given web blueprints."""
    for key, value in WEB_DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("UPLOAD_DIR", str(ROOT / "var" / "uploads"))
    app.session_interface = SigningOnceSessions()
    _install_login_protocol()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    csrf.exempt(api_bp)  # bearer tokens, no cookies: no CSRF exposure
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    init_i18n(app)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    register_error_pages(app)
    app.context_processor(header_context)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)


def _favicon() -> Response:
    """Browsers and tools that ask for /favicon.ico get the app's icon (pages link it from static/img)."""
    return redirect(url_for("static", filename="img/favicon.svg"), 301)
