"""Deploy diagrams as versioned process definitions and serve their parsed specs from a cache."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, undefer

from handlers.registry import registered_operations
from webapp.engine.pack import BPMN_NS, DeployError, ProcessBundle, build_pack, forms_of_bundle, read_dir
from webapp.engine.xmlsafe import parse_xml
from webapp.masterdata import choices
from webapp.models import HumanTask, Instance, ProcessDefinition

_cache: dict[int, ProcessBundle] = {}
_forms: dict[tuple[int, str], dict[str, Any]] = {}
_cache_lock = threading.Lock()
CALLS_PREFIX = "calls "  # the comment of a caller rebuilt with a changed called process


@dataclass
class Deployed:
    """What a deploy did for one process."""

    key: str
    version: int
    definition_id: int
    created: bool


def deploy_files(session: Session, files: dict[str, bytes], forms: dict[str, bytes], actor: str,
                 touching: set[str] | None = None, comment: str | None = None,
                 only: set[str] | None = None) -> list[Deployed]:
    """Validate and store a set of diagrams; identical content makes no new version. Raises DeployError.

    With `touching`, only the processes built from one of those file names are stored (the other files were given
    so that the processes calling a changed diagram are rebuilt with it, see `caller_files`); with `only`, only
    those process keys. `comment` is stored with every new version; a caller whose own diagram did not change
    gets a version only because what it calls did, and its comment says so ('calls inquiry v2: <comment>').
    """
    pack = build_pack(files, forms, registered_operations())
    results: dict[str, Deployed] = {}
    rebuilt: list[tuple[ProcessDefinition, list[str]]] = []
    for key, bundle in sorted(pack.processes.items()):
        if (touching is not None and not touching & set(bundle.files)) or (only is not None and key not in only):
            continue
        latest = latest_definition(session, key)
        if latest is not None and latest.content_hash == bundle.content_hash:
            results[key] = Deployed(key, latest.version, latest.id, False)
            continue
        definition = ProcessDefinition(
            key=key, name=bundle.name, version=(latest.version + 1) if latest else 1,
            content_hash=bundle.content_hash, files=bundle.files,
            forms={name: pack.forms[name] for name in sorted(forms_of_bundle(bundle)) if name in pack.forms},
            form_files=bundle.form_files or None,
            deployed_by=actor, comment=comment or None,
        )
        session.add(definition)
        session.flush()
        with _cache_lock:
            _cache[definition.id] = bundle
        results[key] = Deployed(key, definition.version, definition.id, True)
        if called := _called_changes(latest, key, bundle):
            rebuilt.append((definition, called))
    for definition, called in rebuilt:  # once every version of this deploy is numbered
        definition.comment = _caller_comment(session, called, results, comment)
    session.commit()
    return list(results.values())


def _called_changes(latest: ProcessDefinition | None, key: str, bundle: ProcessBundle) -> list[str]:
    """The called processes whose diagrams changed, when the process's own diagram did not (else [])."""
    if latest is None:
        return []
    own = {name for name, text in bundle.files.items() if key in process_ids(text.encode())}
    if not own or any(latest.files.get(name) != bundle.files[name] for name in own):
        return []
    changed = {k for name, text in bundle.files.items() if name not in own and latest.files.get(name) != text
               for k in process_ids(text.encode())}
    return sorted(changed - {key})


def _caller_comment(session: Session, called: list[str], done: dict[str, Deployed], comment: str | None) -> str:
    """The comment of a caller rebuilt with changed called processes: 'calls inquiry v2: <the owner's comment>'."""
    names = []
    for other in called:
        version = done[other].version if other in done else getattr(latest_definition(session, other), "version", 0)
        names.append(f"{other} v{version}" if version else other)
    prefix = CALLS_PREFIX + ", ".join(names)
    return f"{prefix}: {comment}" if comment else prefix


def deploy_directory(session: Session, processes_dir: Path, forms_dir: Path, actor: str) -> list[Deployed]:
    """Deploy every diagram of a folder with the forms of another."""
    files, forms = read_dir(processes_dir, forms_dir)
    return deploy_files(session, files, forms, actor)


def newest_definitions(session: Session) -> list[ProcessDefinition]:
    """The newest version of every process, oldest deploy first."""
    newest: dict[str, ProcessDefinition] = {}
    stmt = select(ProcessDefinition).options(undefer(ProcessDefinition.files), undefer(ProcessDefinition.forms))
    for definition in session.scalars(stmt.order_by(ProcessDefinition.version)):
        newest[definition.key] = definition
    return sorted(newest.values(), key=lambda d: d.id)


def process_names(session: Session) -> dict[str, str]:
    """The name of every deployed process (its newest version's), by key: the filters' choices."""
    names: dict[str, str] = {}
    for key, name in session.execute(select(ProcessDefinition.key, ProcessDefinition.name)
                                     .order_by(ProcessDefinition.version)):
        names[key] = name or key
    return names


def caller_files(newest: list[ProcessDefinition], names: set[str]) -> dict[str, bytes]:
    """The files of the newest processes built from one of `names` (e.g. `complaint`, which calls the uploaded
    `inquiry.bpmn`): deployed again with the upload, those processes get a version that uses it."""
    needed = {name for d in newest if names & set(d.files) for name in d.files}
    files: dict[str, bytes] = {}
    for definition in newest:  # each file as the latest deploy had it
        files.update({name: text.encode() for name, text in definition.files.items() if name in needed})
    return files


def overlay(base: dict[str, bytes], top: dict[str, bytes]) -> dict[str, bytes]:
    """`top` over `base`, leaving out a base file whose processes a top file of another name defines (a pack
    split into one process per file meeting versions that held several processes in one file, or the reverse)."""
    defined = {key for raw in top.values() for key in process_ids(raw)}
    kept = {name: raw for name, raw in base.items()
            if name in top or not (keys := process_ids(raw)) or not keys <= defined}
    return kept | top


def process_ids(raw: bytes) -> set[str]:
    """Ids of the processes a .bpmn file defines (none for a .dmn or a file that does not parse)."""
    try:
        root = parse_xml(raw, "diagram")
    except ValueError:
        return set()
    return {p.get("id", "") for p in root.iterfind(f"{{{BPMN_NS}}}process")}


def deployed_forms(newest: list[ProcessDefinition]) -> dict[str, bytes]:
    """The forms of the newest version of every process (a diagram-only upload reuses them)."""
    forms: dict[str, bytes] = {}
    for definition in newest:
        forms.update(form_texts(definition))
    return forms


def form_texts(definition: ProcessDefinition) -> dict[str, bytes]:
    """The forms of a version as the owner wrote them (with the vocabularies they refer to); a version deployed
    before those were kept gives its resolved forms."""
    if definition.form_files:
        return {name: text.encode() for name, text in definition.form_files.items()}
    return {name: (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode()
            for name, schema in definition.forms.items()}


def latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    """The newest version of a process, or None."""
    stmt = select(ProcessDefinition).where(ProcessDefinition.key == key)
    return session.scalars(stmt.order_by(ProcessDefinition.version.desc()).limit(1)).first()


def bundle_for(definition: ProcessDefinition) -> ProcessBundle:
    """The parsed spec of a stored version (parsed once per process version per process)."""
    bundle = _cache.get(definition.id)
    if bundle is not None:
        return bundle
    files = {name: text.encode() for name, text in definition.files.items()}
    forms = {name: json.dumps(schema).encode() for name, schema in definition.forms.items()}
    pack = build_pack(files, forms, registered_operations())
    bundle = pack.processes[definition.key]
    with _cache_lock:
        _cache[definition.id] = bundle
    return bundle


def bundle_of(instance: Instance) -> ProcessBundle:
    """The parsed spec an instance runs on, found by its definition id (no query once that version is parsed)."""
    bundle = _cache.get(instance.definition_id)
    return bundle if bundle is not None else bundle_for(instance.definition)


def forms_for(definition: ProcessDefinition) -> dict[str, Any]:
    """The forms of a stored version, read once (its content hash covers them: (id, hash) names them for good)."""
    key = (definition.id, definition.content_hash)
    forms = _forms.get(key)
    if forms is None:
        forms = dict(definition.forms or {})
        with _cache_lock:
            _forms[key] = forms
    return forms


def clear_cache() -> None:
    """Forget parsed specs and forms (tests that recreate the database)."""
    with _cache_lock:
        _cache.clear()
        _forms.clear()


__all__ = ["DeployError", "Deployed", "bundle_for", "bundle_of", "form_schema", "forms_for", "caller_files",
           "newest_definitions", "deploy_directory", "deploy_files", "latest_definition", "overlay"]


def form_schema(instance: Instance, task: HumanTask) -> dict[str, Any] | None:
    """The JSON Schema of the task's form, from the process version the instance runs on."""
    if not task.form_key:
        return None
    schema = forms_for(instance.definition).get(task.form_key)
    if not schema:
        return None
    session = object_session(instance)
    return choices.bind(session, dict(schema)) if session is not None else dict(schema)


def all_versions(session: Session) -> list[ProcessDefinition]:
    """Every deployed version, by process key and newest version first."""
    stmt = select(ProcessDefinition).options(undefer(ProcessDefinition.files), undefer(ProcessDefinition.forms))
    return list(session.scalars(stmt.order_by(ProcessDefinition.key, ProcessDefinition.version.desc())))
