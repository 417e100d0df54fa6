"""Security headers on every answer, set by Flask-Talisman (a maintained library, not home-made)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from flask_talisman import Talisman

# scripts and styles only from our own files (vendored libraries included): no inline <script>, no style=""
CSP: dict[str, Any] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


class OnceTalisman(Talisman):
    """Talisman that works out each endpoint's options and each policy's header text once per process.

    Talisman rebuilt both on every answer (the options up to four times: the HTTPS check, the nonce, the headers,
    the policy text). They depend only on the endpoint (a view's @talisman options are set when it is defined) and,
    for the text, on the policy and the request's nonce; with a nonce the text is built per request as before. The
    headers are Talisman's own, set by its own code.
    """

    def __init__(self) -> None:
        super().__init__()
        self._endpoint_options: dict[tuple[int, str | None], dict[str, Any]] = {}
        self._policy_texts: dict[int, tuple[Any, str]] = {}

    def init_app(self, app: Flask, **options: Any) -> None:  # type: ignore[override]
        """Talisman's init_app; what was worked out for the settings before is forgotten."""
        super().init_app(app, **options)
        self._endpoint_options.clear()
        self._policy_texts.clear()

    def _get_local_options(self) -> dict[str, Any]:
        key = (id(current_app.view_functions.get(request.endpoint or "")), request.endpoint)
        found = self._endpoint_options.get(key)
        if found is None:
            found = self._endpoint_options[key] = super()._get_local_options()
        return found

    def _parse_policy(self, policy: Any) -> str:
        if getattr(request, "csp_nonce", None):
            return super()._parse_policy(policy)  # type: ignore[no-any-return]
        known = self._policy_texts.get(id(policy))
        if known is None or known[0] is not policy:
            known = self._policy_texts[id(policy)] = (policy, super()._parse_policy(policy))
        return known[1]


talisman = OnceTalisman()


def init_headers(app: Flask) -> None:
    """CSP, X-Frame-Options DENY, nosniff, Referrer-Policy, HSTS on HTTPS answers, the Secure cookie setting."""
    secure_cookie = bool(app.config.get("SESSION_COOKIE_SECURE", False))
    talisman.init_app(
        app,
        force_https=False,  # TLS is the reverse proxy's job; HSTS is still sent on every HTTPS answer
        strict_transport_security=True,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=secure_cookie,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        x_xss_protection=False,  # obsolete header; the CSP is what protects
    )
    app.config["SESSION_COOKIE_SECURE"] = secure_cookie
    app.config.setdefault("REMEMBER_COOKIE_SECURE", secure_cookie)
