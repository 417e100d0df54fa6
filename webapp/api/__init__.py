"""JSON API v1 blueprint; the routes live in each feature package's api.py (wired in webapp.app)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
