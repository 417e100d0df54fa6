"""Admin console pages: instance list and page with the diagram, repairs, bulk actions, audit log."""

from __future__ import annotations

from flask import Blueprint, current_app

from webapp.services.stuck import StuckSettings

bp = Blueprint("admin", __name__, url_prefix="/admin")


def stuck_settings() -> StuckSettings:
    """The stuck thresholds of this app."""
    return StuckSettings.from_config(current_app.config)


from webapp.admin import audit, bulk, instances, messages, repairs  # noqa: E402,F401
