"""Process studio API: list versions, upload (checked), check only, export, diff, migrate instances."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for

from webapp.accounts.api import api_user, require
from webapp.admin import jobs as admin_jobs
from webapp.admin import migrating
from webapp.api import bp
from webapp.api.shapes import iso
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.processes.deploy import check_upload, deploy_upload, export_zip, upload_warnings
from webapp.processes.diff import diff_versions
from webapp.processes.migrate import migrate_instance
from webapp.security.limits import MAX_INT
from webapp.workflow.definitions import all_versions

MAX_FILES = 100
MAX_COMMENT = 2000


def _uploaded() -> tuple[dict[str, bytes], dict[str, bytes]]:
    uploads = request.files.getlist("files")
    if not uploads:
        raise Invalid("attach the diagrams as multipart field 'files'", {"files": "required"})
    if len(uploads) > MAX_FILES:
        raise Invalid("too many files", {"files": f"at most {MAX_FILES}"})
    diagrams: dict[str, bytes] = {}
    forms: dict[str, bytes] = {}
    for upload in uploads:
        name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        if name.endswith((".bpmn", ".dmn")):
            diagrams[name] = upload.read()
        elif name.endswith(".json"):
            forms[name] = upload.read()
        else:
            raise Invalid(f"unsupported file '{name}'", {"files": "only .bpmn, .dmn and .json forms"})
    if not diagrams:
        raise Invalid("upload at least one .bpmn or .dmn file", {"files": "no diagram"})
    return diagrams, forms


@bp.get("/processes")
@require("process_owner")
def list_processes() -> Any:
    """Every deployed version, newest first per process, with who deployed it and the comment."""
    rows = all_versions(db.session)
    return {"items": [{"id": d.id, "key": d.key, "name": d.name, "version": d.version, "hash": d.content_hash,
                       "files": sorted(d.files), "forms": sorted(d.forms), "deployed_at": iso(d.deployed_at),
                       "deployed_by": d.deployed_by, "comment": d.comment} for d in rows]}


@bp.post("/processes")
@require("process_owner")
def upload_processes() -> Any:
    """Upload .bpmn/.dmn files and .json forms (multipart, optional `comment`); every check runs first.

    A single changed diagram is enough: the processes that call it are deployed again with it. Refused: 422 with
    every problem, and nothing is stored.
    """
    diagrams, forms = _uploaded()
    comment = (request.form.get("comment") or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid("the comment is too long", {"comment": f"at most {MAX_COMMENT} characters"})
    results = deploy_upload(db.session, diagrams, forms, api_user().username, comment or None)
    created = any(r.created for r in results)
    return {"deployed": [r.__dict__ for r in results]}, 201 if created else 200


@bp.post("/processes/check")
@require("process_owner")
def check_processes() -> Any:
    """The same checks as an upload, without deploying: {"ok", "problems", "warnings"} (warnings do not refuse:
    a group the diagrams name that has no active member)."""
    diagrams, forms = _uploaded()
    problems = check_upload(db.session, diagrams, forms)
    warnings = upload_warnings(db.session, diagrams, forms)
    return {"ok": not problems, "problems": [p.as_dict() for p in problems],
            "warnings": [w.as_dict() for w in warnings]}


@bp.get("/processes/export.zip")
@require("process_owner", "admin")
def export_processes() -> Any:
    """The deployed versions as a zip of processes/ and forms/ (what `closeloop export` writes)."""
    return Response(export_zip(db.session), mimetype="application/zip",
                    headers={"Content-Disposition": "attachment; filename=closeloop-processes.zip"})


@bp.get("/processes/<key>/diff")
@require("process_owner", "admin")
def process_diff(key: str) -> Any:
    """Element-level changes between two versions (?from=A&to=B; default: the two newest)."""
    return diff_versions(db.session, key, request.args.get("from", type=int), request.args.get("to", type=int))


def _migration_args(body: dict[str, Any]) -> tuple[int, bool, str]:
    to_version = body.get("to_version")
    if not isinstance(to_version, int) or isinstance(to_version, bool) or to_version < 1:
        raise Invalid("give the version to migrate to", {"to_version": "a version number, e.g. 3"})
    reason = str(body.get("reason") or "").strip()
    if not reason:
        raise Invalid("say why the instance is migrated", {"reason": "required"})
    dry_run = body.get("dry_run", True)
    if not isinstance(dry_run, bool):
        raise Invalid("dry_run must be true or false", {"dry_run": "true or false"})
    return to_version, dry_run, reason


@bp.post("/instances/<int:instance_id>/migrate")
@require("admin")
def migrate_one(instance_id: int) -> Any:
    """Move one instance to another version of its process (dry run by default); 409 when a waiting task would go."""
    to_version, dry_run, reason = _migration_args(request.get_json(silent=True) or {})
    return migrate_instance(db.session, instance_id, to_version, dry_run=dry_run, reason=reason,
                            user=api_user())


@bp.post("/instances/bulk/migrate")
@require("admin")
def migrate_many() -> Any:
    """Migrate the running instances of one process version (filter {process, version}): a dry run answers one page
    of per-instance reports (`after`, `limit`); otherwise a migrate job is queued for the worker (202)."""
    body = request.get_json(silent=True) or {}
    to_version, dry_run, reason = _migration_args(body)
    flt = body.get("filter") or {}
    process, version = flt.get("process"), flt.get("version")
    if not isinstance(process, str) or not process or not isinstance(version, int) or isinstance(version, bool):
        raise Invalid("say which instances to migrate", {"filter": "{\"process\": key, \"version\": number}"})
    if dry_run:
        return migrating.dry_run_page(db.session, process, version, to_version, reason=reason, user=api_user(),
                                      after=_int(body, "after", 0, 0, MAX_INT),
                                      limit=_int(body, "limit", migrating.SAMPLE, 1, migrating.MAX_PAGE))
    job = migrating.queue_migration(db.session, process, version, to_version, reason=reason, user=api_user())
    links = {"job": f"/api/v1/jobs/{job.id}", "page": url_for("admin.job", job_id=job.id)}
    return admin_jobs.as_dict(job) | {"links": links}, 202, {"Location": links["job"]}


def _int(body: dict[str, Any], key: str, default: int, low: int, top: int) -> int:
    value = body.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= top:
        raise Invalid(f"'{key}' must be a whole number from {low} to {top}", {key: f"{low} to {top}"})
    return value
