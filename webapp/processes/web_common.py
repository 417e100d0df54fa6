"""The process pages' blueprint and what its two view modules (web.py, web_edit.py) share."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import get_timezone

from webapp.accounts.web_access import staff
from webapp.tasks.formfields import build_fields

bp = Blueprint("processes", __name__, url_prefix="/processes", template_folder="templates")


def can_edit() -> bool:
    """Only process owners edit and deploy; admins read."""
    return "process_owner" in staff().group_keys


def preview_fields(schema: dict[str, Any], lang: str) -> list[Any]:
    """The fields of a form as staff see them (empty values, no errors)."""
    return build_fields(schema, {}, {}, lang, str(get_timezone()))
