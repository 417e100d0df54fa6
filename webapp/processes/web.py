"""Process pages for owners (admins may read): processes, versions, diagrams, decision tables, form previews, diff."""

from __future__ import annotations

import difflib
import json
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import force_locale, get_locale
from lxml import etree
from markupsafe import Markup

from webapp.accounts.web_access import role_required
from webapp.engine.xmlsafe import parse_xml
from webapp.errors import NotFound
from webapp.extensions import db
from webapp.processes import studio, studio_calls
from webapp.processes.web_common import bp, can_edit, preview_fields
from webapp.security.web_headers import talisman


def _found(call: Any, *args: Any) -> Any:
    """A studio read, NotFound turned into the 404 page."""
    try:
        return call(db.session, *args)
    except NotFound as exc:
        abort(404, description=exc.message)


def _trail() -> list[dict[str, Any]]:
    """The breadcrumb of called processes (`trail=complaint:3,grievance:2`), each with a link back."""
    crumbs = []
    parts = [p for p in (request.args.get("trail") or "").split(",") if p][:10]
    for i, part in enumerate(parts):
        key, _, version = part.partition(":")
        if not version.isdigit():
            continue
        back = ",".join(parts[:i])
        crumbs.append({"key": key, "version": int(version),
                       "url": url_for("processes.version", key=key, version=int(version), trail=back or None)})
    return crumbs


@bp.get("/")
@role_required("process_owner")
def index() -> str:
    """Every process with its current version, who deployed it and when, running instances per version."""
    return render_template("processes/index.html", rows=studio.processes(db.session), can_edit=can_edit())


@bp.get("/<key>")
@role_required("process_owner")
def show(key: str) -> str:
    """A process: version history with comments, running instances, links to view, diff and edit."""
    row = _found(studio.process, key)
    return render_template("processes/show.html", row=row, can_edit=can_edit())


@bp.get("/<key>/v/<int:version>")
@role_required("process_owner")
def version(key: str, version: int) -> str:
    """One version read-only: its diagram (call activities open the called process), decisions and forms."""
    definition = _found(studio.definition, key, version)
    files = studio.files_of(definition)
    shown = request.args.get("file") if request.args.get("file") in definition.files else studio.main_file(definition)
    decisions = [(name, studio.decision_tables(name, definition.files[name]))
                 for name in files if name.endswith(".dmn")]
    trail = _trail()
    here = ",".join([f"{c['key']}:{c['version']}" for c in trail] + [f"{key}:{version}"])
    data = {"xml_url": url_for("processes.file", key=key, version=version, name=shown),
            "process_url": url_for("processes.latest", key="__KEY__", trail=here)}
    return render_template("processes/version.html", definition=definition, files=files, shown=shown,
                           decisions=decisions, trail=trail, data=data, forms=sorted(definition.forms))


@bp.get("/<key>/latest")
@role_required("process_owner")
def latest(key: str) -> Any:
    """The newest version of a process (where a call activity leads), keeping the breadcrumb."""
    definition = _found(studio.definition, key)
    return version(key, definition.version)


@bp.get("/<key>/v/<int:version>/files/<name>")
@role_required("process_owner")
@talisman(content_security_policy={"default-src": "'none'", "sandbox": ""})  # the file must not run what it embeds
def file(key: str, version: int, name: str) -> Response:
    """A diagram file of a version as XML (for the viewer and for download)."""
    definition = _found(studio.definition, key, version)
    if name not in definition.files:
        abort(404, description=f"version {version} of '{key}' has no file '{name}'")
    disposition = "attachment" if request.args.get("download") else "inline"
    return Response(definition.files[name], mimetype="application/xml",
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})


@bp.get("/<key>/v/<int:version>/forms/<name>")
@role_required("process_owner")
def form(key: str, version: int, name: str) -> str:
    """A form of a version previewed exactly as staff see it, in English and Chinese side by side."""
    definition = _found(studio.definition, key, version)
    if name not in definition.forms:
        abort(404, description=f"version {version} of '{key}' has no form '{name}'")
    schema = definition.forms[name]
    previews = []
    for lang in ("en", "zh"):
        with force_locale(lang):  # the widgets' own texts (choose, yes/no) in the preview's language
            html = render_template("processes/_preview.html", fields=preview_fields(schema, lang))
        title = (schema.get("x-title-zh") if lang == "zh" else None) or schema.get("title") or name
        previews.append((lang, title, Markup(html)))
    return render_template("processes/form.html", definition=definition, name=name, schema=schema,
                           previews=previews, source=json.dumps(schema, ensure_ascii=False, indent=2))


def _lines_of(name: str, content: Any) -> str:
    """A file as comparable text: XML re-serialized the same way (the modeler writes `<a />`, `&#39;` ...)."""
    if content is None:
        return ""
    if not isinstance(content, str):
        return json.dumps(content, ensure_ascii=False, indent=2)
    try:
        root = parse_xml(content.encode(), name)
    except ValueError:
        return content
    for element in root.iter():
        attributes = sorted(element.attrib.items())  # the modeler may write them in another order
        element.attrib.clear()
        element.attrib.update(attributes)
    for plane in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNPlane"):
        plane[:] = sorted(plane, key=lambda e: (str(e.tag), e.get("bpmnElement") or ""))  # modeler's z-order
    etree.indent(root, space="  ")
    return str(etree.tostring(root, encoding="unicode"))


def _file_diffs(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Unified line diffs of the files whose content differs between two versions' file maps."""
    out = []
    for name in sorted(set(a) | set(b)):
        text_a, text_b = _lines_of(name, a.get(name)), _lines_of(name, b.get(name))
        if text_a == text_b:
            continue
        lines = list(difflib.unified_diff(text_a.splitlines(), text_b.splitlines(), f"{name} (before)",
                                          f"{name} (after)", n=2, lineterm=""))
        out.append((name, lines))
    return out


@bp.get("/<key>/diff")
@role_required("process_owner")
def diff(key: str) -> str:
    """What changed between two versions: the elements (from the check backend) and the file lines."""
    newest = _found(studio.definition, key)
    b = request.args.get("to", type=int) or newest.version
    a = request.args.get("from", type=int) or max(b - 1, 1)
    before, after = _found(studio.definition, key, a), _found(studio.definition, key, b)
    changes = studio_calls.diff(db.session, key, a, b)
    files = _file_diffs(before.files, after.files) + _file_diffs(before.forms, after.forms)
    return render_template("processes/diff.html", key=key, before=before, after=after, changes=changes,
                           files=files, lang=str(get_locale()))

