"""Lessons kept: what step 6 (summary and reflection, six-step method) learned, searchable by staff and shown
on new cases of the same category; each improvement tracked to done by its owner (issue 15 part 3)."""

from __future__ import annotations

from flask import Flask


def init_lessons(app: Flask) -> None:
    """Register the lessons register page and its JSON API (called once by the app factory)."""
    from webapp.extensions import csrf
    from webapp.lessons import api, web

    app.register_blueprint(web.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer tokens
