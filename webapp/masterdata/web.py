"""Admin pages of the master data: one list per kind with an add form, an edit page with the row's history."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from webapp.accounts.web_access import role_required, staff
from webapp.admin.web import bp
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.masterdata import service
from webapp.masterdata.kinds import DEADLINE_RULES, KINDS, OBJECT_TYPES

UNIT_KINDS = ("department", "service_point")


def form_body(kind: str, form: MultiDict[str, str], with_key: bool) -> dict[str, Any]:
    """The row a submitted form describes (attributes typed per kind)."""
    body: dict[str, Any] = {"name_en": form.get("name_en", "").strip(), "name_zh": form.get("name_zh", "").strip(),
                            "active": form.get("active") == "on"}
    if with_key:
        body["key"] = form.get("key", "").strip()
    if kind == "category":
        attrs: dict[str, Any] = {"deadline_rule": form.get("deadline_rule", "none")}
    elif kind in UNIT_KINDS:
        members = [m.strip() for m in form.get("members", "").replace("\n", ",").split(",") if m.strip()]
        attrs = {"head": form.get("head", "").strip() or None, "members": list(dict.fromkeys(members)),
                 "email": form.get("email", "").strip() or None, "region": form.get("region", "").strip() or None}
    elif kind == "object":
        attrs = {"type": form.get("type", "other"), "description": form.get("description", "").strip() or None}
    else:
        attrs = {"major": form.get("major") == "on"}
    body["attrs"] = attrs
    return body


def _page(template: str, kind: str, status: int = 200, **extra: Any) -> tuple[str, int]:
    return render_template(template, kind=kind, kinds=KINDS, units=UNIT_KINDS, rules=DEADLINE_RULES,
                           object_types=OBJECT_TYPES, admin_tab="masterdata", **extra), status


@bp.route("/masterdata/<kind>", methods=["GET", "POST"])
@role_required("admin")
def masterdata(kind: str) -> Any:
    """The rows of one kind; POST adds one."""
    service.check_kind(kind)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"active": True, "attrs": {}}
    if request.method == "POST":
        values = form_body(kind, request.form, with_key=True)
        try:
            row = service.create(db.session, kind, values, staff().username)
            flash(_("%(key)s added.", key=row.key), "success")
            return redirect(url_for("admin.masterdata", kind=kind))
        except Invalid as exc:
            db.session.rollback()
            errors = exc.fields or {"": exc.message}
    return _page("admin/masterdata.html", kind, 422 if errors else 200,
                 rows=service.items(db.session, kind), values=values, errors=errors)


@bp.route("/masterdata/<kind>/<key>", methods=["GET", "POST"])
@role_required("admin")
def masterdata_item(kind: str, key: str) -> Response | tuple[str, int]:
    """Edit one row (names, attributes, active); its history below."""
    row = service.get(db.session, kind, key)
    errors: dict[str, str] = {}
    values = service.snapshot(row)
    if request.method == "POST":
        values = {**form_body(kind, request.form, with_key=False), "key": key}
        try:
            service.update(db.session, kind, key, {k: v for k, v in values.items() if k != "key"},
                           staff().username)
            flash(_("%(key)s saved.", key=key), "success")
            return redirect(url_for("admin.masterdata_item", kind=kind, key=key))
        except Invalid as exc:
            db.session.rollback()
            errors = exc.fields or {"": exc.message}
    return _page("admin/masterdata_item.html", kind, 422 if errors else 200, row=row, values=values,
                 errors=errors, history=service.history(db.session, kind, key))
