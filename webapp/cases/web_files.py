"""Comments and attachments on a case: add, upload (size and type limits), download (staff only)."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.accounts import visibility
from webapp.accounts.web_access import login_required, staff
from webapp.cases import comments as service
from webapp.cases.web import bp
from webapp.errors import Invalid
from webapp.extensions import db


@bp.post("/<number>/comments")
@login_required
def add_comment(number: str) -> Response:
    """Add an internal comment to the case."""
    case = visibility.readable_case(db.session, number, staff(), visibility.all_readers(current_app.config))
    try:
        service.add_comment(db.session, case, staff().username, request.form.get("body", ""))
        flash(_("Comment added."), "success")
    except Invalid as exc:
        db.session.rollback()
        flash(_("Comment not added: %(why)s", why=exc.message), "error")
    return redirect(url_for("cases.show", number=number) + "#comments")


@bp.post("/<number>/attachments")
@login_required
def upload(number: str) -> Response:
    """Attach a file to the case."""
    case = visibility.readable_case(db.session, number, staff(), visibility.all_readers(current_app.config))
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash(_("Choose a file to attach."), "error")
        return redirect(url_for("cases.show", number=number) + "#attachments")
    try:
        service.save_attachment(db.session, case, current_app.config["UPLOAD_DIR"], upload_file.filename,
                                upload_file.stream, staff().username, current_app.config["MAX_ATTACHMENT_BYTES"])
        flash(_("File attached."), "success")
    except Invalid as exc:
        db.session.rollback()
        detail = "; ".join((exc.fields or {}).values())
        flash(_("File not attached: %(why)s", why=f"{exc.message} ({detail})" if detail else exc.message), "error")
    return redirect(url_for("cases.show", number=number) + "#attachments")


@bp.get("/<number>/attachments/<int:attachment_id>")
@login_required
def download(number: str, attachment_id: int) -> Response:
    """Download an attachment (signed-in staff only; always as a download, never rendered inline)."""
    case = visibility.readable_case(db.session, number, staff(), visibility.all_readers(current_app.config))
    attachment, path = service.attachment_file(db.session, case, attachment_id, current_app.config["UPLOAD_DIR"])
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
