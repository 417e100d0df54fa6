"""The process pages' blueprint and what its two view modules (web.py, web_edit.py) share."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint
from flask_babel import get_timezone, gettext

from webapp.accounts.web_access import staff
from webapp.tasks.formfields import build_fields

bp = Blueprint("processes", __name__, url_prefix="/processes", template_folder="templates")


def can_edit() -> bool:
    """Only process owners edit and deploy; admins read."""
    return "process_owner" in staff().group_keys


def preview_fields(schema: dict[str, Any], lang: str) -> list[Any]:
    """The fields of a form as staff see them (empty values, no errors)."""
    return build_fields(schema, {}, {}, lang, str(get_timezone()))


CALLER_COMMENT = re.compile(r"calls ((?:[\w.-]+ v\d+)(?:, [\w.-]+ v\d+)*)(?:: (.*))?", re.S)


@bp.app_template_global("version_comment")
def version_comment(comment: str | None) -> str:
    """A version's comment for the reader: the default pack's and a rebuilt caller's ('calls inquiry v2: ...') in
    the reader's language, the owner's own words as written."""
    if not comment:
        return ""
    if comment == "default pack":
        return gettext("default pack")
    found = CALLER_COMMENT.fullmatch(comment)
    if found is None:
        return comment
    if found[2]:
        return gettext("calls %(called)s: %(comment)s", called=found[1], comment=found[2])
    return gettext("calls %(called)s (rebuilt to use it; its own diagram did not change)", called=found[1])
