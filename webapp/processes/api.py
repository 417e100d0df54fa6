"""Process definitions (process owners): list versions, upload a new version."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select

from webapp.accounts.api import api_user, require
from webapp.api import bp
from webapp.api.shapes import iso
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.models import ProcessDefinition
from webapp.workflow.definitions import caller_files, deploy_files, deployed_forms, newest_definitions

MAX_FILES = 100


@bp.get("/processes")
@require("process_owner")
def list_processes() -> Any:
    """Every deployed version, newest first per process."""
    rows = db.session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key,
                                                                  ProcessDefinition.version.desc()))
    return {"items": [{"id": d.id, "key": d.key, "name": d.name, "version": d.version, "hash": d.content_hash,
                       "files": sorted(d.files), "forms": sorted(d.forms), "deployed_at": iso(d.deployed_at),
                       "deployed_by": d.deployed_by} for d in rows]}


@bp.post("/processes")
@require("process_owner")
def upload_processes() -> Any:
    """Upload .bpmn/.dmn files and .json forms (multipart); all are validated before anything is stored.

    A single changed diagram is enough: the processes that call it are deployed again with it.
    """
    uploads = request.files.getlist("files")
    if not uploads:
        raise Invalid("attach the diagrams as multipart field 'files'", {"files": "required"})
    if len(uploads) > MAX_FILES:
        raise Invalid("too many files", {"files": f"at most {MAX_FILES}"})
    diagrams: dict[str, bytes] = {}
    forms: dict[str, bytes] = {}
    for upload in uploads:
        name = (upload.filename or "").rsplit("/", 1)[-1]
        if name.endswith((".bpmn", ".dmn")):
            diagrams[name] = upload.read()
        elif name.endswith(".json"):
            forms[name] = upload.read()
        else:
            raise Invalid(f"unsupported file '{name}'", {"files": "only .bpmn, .dmn and .json forms"})
    # forms not uploaded again are taken from the deployed versions; so are the other diagrams of the processes
    # that call an uploaded one, which get a new version too (new cases start the caller, e.g. `complaint`)
    newest = newest_definitions(db.session)
    files = caller_files(newest, set(diagrams)) | diagrams
    results = deploy_files(db.session, files, deployed_forms(newest) | forms, api_user().username,
                           touching=set(diagrams))
    created = any(r.created for r in results)
    return {"deployed": [r.__dict__ for r in results]}, 201 if created else 200
