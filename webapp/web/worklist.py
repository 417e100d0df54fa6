"""The worklist (home page after sign-in)."""

from __future__ import annotations

from flask import Blueprint, render_template

from webapp.extensions import db
from webapp.services.worklist import list_tasks
from webapp.web.access import login_required, staff

bp = Blueprint("worklist", __name__)


@bp.get("/")
@login_required
def index() -> str:
    """My tasks, by deadline."""
    page = list_tasks(db.session, staff(), "mine")
    return render_template("worklist/index.html", page=page, scope="mine")
