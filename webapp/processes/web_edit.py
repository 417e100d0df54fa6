"""The process editor: bpmn-js Modeler, dmn-js, form JSON with live preview; draft, check, deploy with a comment."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from webapp.accounts.web_access import role_required, staff
from webapp.engine.formrefs import is_definitions, resolve_shared
from webapp.engine.pack import DeployError
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.processes import drafts, studio, studio_calls
from webapp.processes.modeler_texts import MODELER_TEXTS
from webapp.processes.web_common import bp, can_edit, preview_fields
from webapp.workflow.definitions import form_texts


def N_(text: str) -> str:
    """Mark a text for the catalogue; it is translated when the page is rendered."""
    return text


# texts of the modeler's properties panel and page script, translated on the server
PANEL_TEXTS = [N_("General"), N_("Name"), N_("ID"), N_("Documentation"), N_("Element documentation"),
               N_("Timer"), N_("Type"), N_("Value"), N_("Date"), N_("Duration"), N_("Cycle"), N_("Closeloop"),
               N_("Operation"), N_("Form (JSON Schema file)"), N_("Group (assignGroup)"), N_("Deadline clock"),
               N_("Due in (ISO-8601 duration)"), N_("Decision"), N_("Script"), N_("Called process"), N_("Condition"),
               N_("Process"), N_("Saved"), N_("Saving…"), N_("Checking…"), N_("No problems: ready to deploy."),
               N_("%(n)s problem(s): fix them before deploying."), N_("Not saved: %(error)s"),
               N_("The form is not valid JSON: %(error)s"), N_("Unsaved changes")]


def _owner_only() -> None:
    """Editing is for process owners; admins may only read."""
    if not can_edit():
        abort(403, description="roles:process_owner")


def _start(key: str) -> tuple[Any, dict[str, str], dict[str, str], bool]:
    """The newest version and the files to edit: the owner's draft, or the newest version's files."""
    try:
        definition = studio.definition(db.session, key)
    except NotFound as exc:
        abort(404, description=exc.message)
    draft = drafts.get_draft(db.session, staff().username, key)
    if draft is not None:
        if draft.base_version < definition.version:
            flash(_("Your draft is based on v%(old)d, but v%(new)d has been deployed since: deploying your draft "
                    "replaces its changes. Compare the versions first, or discard your draft.",
                    old=draft.base_version, new=definition.version), "warning")
        return definition, dict(draft.files), dict(draft.forms), True
    forms = {name: text.decode() for name, text in form_texts(definition).items()}  # as written, $refs kept
    return definition, dict(definition.files), forms, False


def _editor(key: str, problems: list[dict[str, str]] | None = None, comment: str = "", status: int = 200) -> Any:
    """Render the editor page with its data block."""
    definition, files, forms, has_draft = _start(key)
    main = studio.main_file(definition)
    data = {"key": key, "version": definition.version, "main": main,
            "files": {name: files[name] for name in [main] + sorted(n for n in files if n != main) if name in files},
            "forms": forms, "problems": problems or [],
            "urls": {"save": url_for("processes.save_draft", key=key), "check": url_for("processes.check", key=key),
                     "preview": url_for("processes.preview")},
            "texts": {text: _(text) for text in PANEL_TEXTS + MODELER_TEXTS}}
    return render_template("processes/edit.html", definition=definition, data=data, has_draft=has_draft,
                           problems=problems or [], comment=comment), status


@bp.get("/<key>/edit")
@role_required("process_owner")
def edit(key: str) -> Any:
    """The editor for a process (starts from the owner's draft if there is one)."""
    _owner_only()
    return _editor(key)


def _body() -> dict[str, Any]:
    """The JSON body of an editor call ({} when it is not an object)."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.post("/<key>/draft")
@role_required("process_owner")
def save_draft(key: str) -> Any:
    """Save the editor's files as the owner's draft (JSON {files, forms}); nothing runs."""
    _owner_only()
    try:
        definition = studio.definition(db.session, key)
    except NotFound as exc:
        return {"error": {"code": "not_found", "message": exc.message}}, 404
    body = _body()
    try:
        current = drafts.get_draft(db.session, staff().username, key)
        base = current.base_version if current is not None else definition.version
        draft = drafts.save_draft(db.session, staff().username, key, base, body.get("files"), body.get("forms", {}))
    except drafts.DraftError as exc:
        return {"error": {"code": "invalid", "message": str(exc)}}, 422
    return {"saved": draft.updated_at.isoformat()}


def _upload(files: dict[str, str], forms: dict[str, str]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Draft texts as the bytes an upload carries."""
    return ({n: t.encode() for n, t in files.items()}, {n: t.encode() for n, t in forms.items()})


@bp.post("/<key>/check")
@role_required("process_owner")
def check(key: str) -> Any:
    """Run the deploy checks on the owner's draft; stores nothing but the draft."""
    _owner_only()
    draft = drafts.get_draft(db.session, staff().username, key)
    if draft is None:
        return {"error": {"code": "invalid", "message": _("Save a draft first.")}}, 422
    problems = studio_calls.check(db.session, *_upload(draft.files, draft.forms))
    return {"ok": not problems, "problems": problems}


@bp.post("/<key>/deploy")
@role_required("process_owner")
def deploy(key: str) -> Any:
    """Deploy the owner's draft as a new version with a comment; on problems the editor shows them (422)."""
    _owner_only()
    comment = (request.form.get("comment") or "").strip()
    draft = drafts.get_draft(db.session, staff().username, key)
    if draft is None:
        flash(_("There is no draft to deploy: save your changes first."), "error")
        return redirect(url_for("processes.edit", key=key))
    if not comment:
        return _editor(key, [{"file": "", "element": "", "name": "",
                              "message": _("Say in a comment what changed and why.")}], comment, 422)
    newest = studio.definition(db.session, key)
    written = {name: text.decode() for name, text in form_texts(newest).items()}
    diagrams, forms = drafts.changed_files(draft, newest.files, written)
    main = studio.main_file(newest)
    if forms and not diagrams and main in draft.files:  # a form alone: the process is built again with it
        diagrams = {main: draft.files[main].encode()}
    if not diagrams and not forms:
        drafts.discard_draft(db.session, staff().username, key)
        flash(_("Nothing changed: no new version."), "success")
        return redirect(url_for("processes.show", key=key))
    try:
        results = studio_calls.deploy(db.session, diagrams, forms, staff().username, comment)
    except DeployError as exc:
        db.session.rollback()
        return _editor(key, studio_calls.problems_of(exc), comment, 422)
    drafts.discard_draft(db.session, staff().username, key)
    made = [f"{r.key} v{r.version}" for r in results if r.created]
    flash(_("Deployed: %(what)s.", what=", ".join(made)) if made else _("Nothing changed: no new version."), "success")
    return redirect(url_for("processes.show", key=key))


@bp.post("/<key>/draft/discard")
@role_required("process_owner")
def discard(key: str) -> Response:
    """Throw the owner's draft away."""
    _owner_only()
    drafts.discard_draft(db.session, staff().username, key)
    flash(_("Draft discarded."), "success")
    return redirect(url_for("processes.edit", key=key))


@bp.post("/preview")
@role_required("process_owner")
def preview() -> Any:
    """Live preview of a form being edited ({schema, lang, shared}) as the HTML staff would see: its `$ref`s
    resolved with the shared vocabularies ({file: definitions}); a vocabularies file shows each choice list."""
    body = _body()
    schema, shared = body.get("schema"), body.get("shared")
    lang = "zh" if body.get("lang") == "zh" else "en"
    if not isinstance(schema, dict):
        return {"error": {"code": "invalid", "message": "'schema' must be a JSON object"}}, 422
    if is_definitions(schema) and isinstance(schema["$defs"], dict):
        schema = {"type": "object", "properties": schema["$defs"]}
    schema, _unresolved = resolve_shared(schema, shared if isinstance(shared, dict) else {})
    try:
        fields = preview_fields(schema, lang)
    except (TypeError, AttributeError, ValueError) as exc:
        return {"error": {"code": "invalid", "message": f"the form cannot be shown: {exc}"}}, 422
    return render_template("processes/_preview.html", fields=fields)
