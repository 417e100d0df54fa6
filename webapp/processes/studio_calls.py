"""The one place the studio pages call the process backend (checks, deploy, diff; see notes/studio-interface.md).

The backend package (webapp.processes.checks/deploy/diff) is built in parallel; until a module is there the calls
fall back to today's deploy service (`webapp.workflow.definitions.deploy_files`, which refuses what the pack
parser refuses) so the pages work either way. Swap or delete the fallbacks here, nowhere else.
"""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy.orm import Session

from handlers.registry import registered_operations
from webapp.engine.pack import DeployError, Problem, build_pack
from webapp.processes.problem_texts import localized
from webapp.workflow.definitions import (
    Deployed,
    caller_files,
    deploy_files,
    deployed_forms,
    newest_definitions,
    overlay,
)


def _backend(module: str) -> Any | None:
    """The backend module webapp.processes.<module>, or None while it has not landed."""
    try:
        return importlib.import_module(f"webapp.processes.{module}")
    except ModuleNotFoundError:
        return None


def _problem(p: Any) -> dict[str, str]:
    """A problem as {file, element, name, message}, the message in the reader's language."""
    if isinstance(p, Problem):
        return dict(localized(p).as_dict())
    return {"file": p.file, "element": p.element, "name": getattr(p, "name", ""), "message": p.message}


def _completed(session: Session, diagrams: dict[str, bytes], forms: dict[str, bytes]
               ) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """An upload completed with the deployed files deploy would use (callers of a changed diagram, forms)."""
    newest = newest_definitions(session)
    return overlay(caller_files(newest, set(diagrams)), diagrams), deployed_forms(newest) | forms


def check(session: Session, diagrams: dict[str, bytes], forms: dict[str, bytes]) -> list[dict[str, str]]:
    """Every problem deploying these files would meet (empty: deployable); stores nothing."""
    for module in (_backend("deploy"), _backend("checks")):  # check_upload lives in deploy.py today
        if module is not None and hasattr(module, "check_upload"):
            return [_problem(p) for p in module.check_upload(session, diagrams, forms)]

    files, all_forms = _completed(session, diagrams, forms)
    try:
        build_pack(files, all_forms, registered_operations())
    except DeployError as exc:
        return [_problem(p) for p in exc.problems]
    return []


def deploy(session: Session, diagrams: dict[str, bytes], forms: dict[str, bytes], actor: str,
           comment: str) -> list[Deployed]:
    """Check and deploy an upload as new versions with a comment; raises DeployError (nothing stored)."""
    deploy_module = _backend("deploy")
    if deploy_module is not None:
        return list(deploy_module.deploy_upload(session, diagrams, forms, actor, comment=comment))
    files, all_forms = _completed(session, diagrams, forms)
    return deploy_files(session, files, all_forms, actor, touching=set(diagrams))


def diff(session: Session, key: str, a: int, b: int) -> dict[str, Any] | None:
    """The element-level diff between two versions, or None while the backend has no diff."""
    diff_module = _backend("diff")
    if diff_module is None:
        return None
    return dict(diff_module.diff_versions(session, key, a, b))


def problems_of(exc: DeployError) -> list[dict[str, str]]:
    """The problems of a refused deploy."""
    return [_problem(p) for p in exc.problems]
