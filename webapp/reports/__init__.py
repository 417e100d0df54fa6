"""Reports for managers: KPI figures, charts, drill-down case lists and exports (issue 15, domain §8)."""

from __future__ import annotations

from flask import Flask


def init_reports(app: Flask) -> None:
    """Register the reports page and its JSON API (called once by the app factory)."""
    from webapp.extensions import csrf
    from webapp.reports import api, web  # lazy: the views import this package (blueprint)

    app.register_blueprint(web.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer tokens, GET only
