"""Security headers on every answer, set by Flask-Talisman (a maintained library, not home-made)."""

from __future__ import annotations

from typing import Any

from flask import Flask
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
talisman = Talisman()


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
