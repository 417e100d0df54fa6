"""Web hardening: input checks for every route, security headers, start-up checks (see init_security)."""

from __future__ import annotations

from flask import Flask

from webapp.security.headers import init_headers
from webapp.security.inputs import init_inputs
from webapp.security.startup import check_secret_key


def init_security(app: Flask) -> None:
    """Refuse a default secret key in production, check every input, set the security headers."""
    check_secret_key(app)
    init_inputs(app)
    init_headers(app)
