"""Assessments (考核) of departments and service points: proposed, decided by integrated management, carried
out by finance (car-maker rules 4.3-4.4; issue 15 part 2)."""

from __future__ import annotations

from flask import Flask


def init_assessments(app: Flask) -> None:
    """Register the assessment register page and its JSON API (called once by the app factory)."""
    from webapp.assessments import api, web
    from webapp.extensions import csrf

    app.register_blueprint(web.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer tokens
