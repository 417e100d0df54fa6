"""Refuse to run in production with the development secret key."""

from __future__ import annotations

from flask import Flask

DEV_SECRET_KEY = "dev-only-change-me"


class InsecureConfiguration(RuntimeError):
    """The configuration is unsafe outside development; the message says what to set."""


def check_secret_key(app: Flask) -> None:
    """Raise InsecureConfiguration when SECRET_KEY is unset/default outside debug, testing and demo mode."""
    key = app.config.get("SECRET_KEY")
    if key and key != DEV_SECRET_KEY:
        return
    if app.debug or app.testing or app.config.get("DEMO_MODE"):
        return
    raise InsecureConfiguration(
        "SECRET_KEY is not set (or is the development default): sessions and CSRF tokens could be forged. "
        "Set SECRET_KEY to a long random value (e.g. `python -c 'import secrets;print(secrets.token_hex(32))'`), "
        "or run in demo mode (CLOSELOOP_DEMO=1, as scripts/run does) or with FLASK_DEBUG=1.")
