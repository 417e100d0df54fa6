"""The message log: every notice the outbox holds (mail, webhook, in-app), its attempts and what it says."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request

from webapp.accounts.web_access import role_required
from webapp.admin import actions as admin
from webapp.admin.messages import (
    CHANNELS,
    STATUSES,
    MessageFilters,
    counts,
    list_messages,
    message_with_case,
    preview,
    templates,
)
from webapp.admin.web import bp
from webapp.extensions import db
from webapp.outbox.delivery.settings import load_settings

FILTER_KEYS = ("status", "channel", "recipient", "case", "template")


@bp.get("/messages")
@role_required("admin")
def messages() -> Any:
    """Messages newest first with counts per status; dead ones can be queued again from their instance."""
    args = {k: v.strip() for k, v in request.args.items() if k in FILTER_KEYS and v.strip()}
    filters = MessageFilters(status=args.get("status"), channel=args.get("channel"), recipient=args.get("recipient"),
                             case_number=args.get("case"), template=args.get("template"))
    rows, next_before = list_messages(db.session, filters, request.args.get("before", type=int), 50)
    return render_template("admin/messages.html", rows=rows, next_before=next_before, args=args,
                           counts=counts(db.session), statuses=STATUSES, channels=CHANNELS,
                           templates=templates(db.session), redeliverable=admin.redeliverable)


@bp.get("/messages/<int:message_id>")
@role_required("admin")
def message(message_id: int) -> Any:
    """One message: recipient, attempts, last error, and the mail as the worker renders it."""
    found = message_with_case(db.session, message_id)
    if found is None:
        abort(404)
    msg, case = found
    shown = preview(db.session, msg, load_settings(current_app.config))
    return render_template("admin/message.html", msg=msg, case=case, preview=shown,
                           redeliverable=admin.redeliverable(msg))
