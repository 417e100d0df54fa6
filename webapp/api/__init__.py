"""JSON API v1: cases, tasks, instances, processes, tokens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

import webapp.api.admin_actions  # noqa: E402,F401  (admin repairs, bulk, audit)
from webapp.api import auth, cases, errors, instances, processes, tasks  # noqa: E402,F401
