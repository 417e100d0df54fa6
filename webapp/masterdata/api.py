"""JSON API of the master data: list (any staff member: intake needs the choices), change (admin)."""

from __future__ import annotations

from typing import Any

from flask import request

from webapp.accounts.api import api_user, require
from webapp.api import bp
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.masterdata import service


def _body() -> Any:
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid("send the row as a JSON object", {"": "expected application/json"})
    return body


@bp.get("/masterdata/<kind>")
@require()
def list_master(kind: str) -> Any:
    """Rows of one kind (add ?active=1 for the choices intake offers)."""
    rows = service.items(db.session, kind, active_only=bool(request.args.get("active")))
    return {"items": [service.snapshot(r) for r in rows]}


@bp.post("/masterdata/<kind>")
@require("admin")
def create_master(kind: str) -> Any:
    """Add a row (admin)."""
    row = service.create(db.session, kind, _body(), api_user().username)
    return service.snapshot(row), 201


@bp.patch("/masterdata/<kind>/<key>")
@require("admin")
def update_master(kind: str, key: str) -> Any:
    """Change a row's names, attributes or active flag (admin); the change is kept in its history."""
    row = service.update(db.session, kind, key, _body(), api_user().username)
    return service.snapshot(row)


@bp.get("/masterdata/<kind>/<key>/history")
@require("admin")
def master_history(kind: str, key: str) -> Any:
    """Who changed the row, when, from what to what (newest first)."""
    return {"items": [{"at": h.at.isoformat(), "actor": h.actor, "action": h.action, "before": h.before,
                       "after": h.after} for h in service.history(db.session, kind, key)]}
