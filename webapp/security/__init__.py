"""Web hardening: input checks for every route, security headers, start-up checks (see init_security)."""

from __future__ import annotations

from flask import Flask

from webapp.security.web_headers import init_headers
from webapp.security.web_inputs import init_inputs
from webapp.security.web_startup import check_secret_key


def init_security(app: Flask) -> None:
    """Refuse a default secret key in production, check every input, set the security headers."""
    check_secret_key(app)
    init_inputs(app)
    init_headers(app)
