"""The admin console blueprint; its pages are the web_*.py modules of this package (wired in webapp.app)."""

from __future__ import annotations

from flask import Blueprint, current_app

from webapp.admin.stuck import StuckSettings
from webapp.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


def stuck_settings() -> StuckSettings:
    """The stuck thresholds of this app."""
    return StuckSettings.from_config(current_app.config, db.session)

