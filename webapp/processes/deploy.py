"""Deploy with every check first; `init` deploys only what has no version yet; export writes the versions back."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from sqlalchemy.orm import Session

from handlers.registry import registered_operations
from webapp.engine.pack import DeployError, build_pack, read_dir
from webapp.processes.checks import Problem, check_files, staffing_warnings
from webapp.workflow.definitions import (
    Deployed,
    caller_files,
    deploy_files,
    deployed_forms,
    latest_definition,
    newest_definitions,
    overlay,
)

__all__ = ["DeployError", "Deployed", "check_upload", "current_files", "deploy_directory", "deploy_upload",
           "export_pack", "export_zip", "init_pack", "upload_warnings", "directory_warnings"]


def complete_upload(session: Session, diagrams: dict[str, bytes],
                    forms: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """An upload plus the deployed files it needs: the other files of the processes that call an uploaded diagram,
    and the deployed forms (so a diagram-only upload keeps its forms)."""
    newest = newest_definitions(session)
    return overlay(caller_files(newest, set(diagrams)), diagrams), deployed_forms(newest) | forms


def check_upload(session: Session, diagrams: dict[str, bytes], forms: dict[str, bytes]) -> list[Problem]:
    """Every problem a deploy of this upload would be refused for (nothing is stored)."""
    files, all_forms = complete_upload(session, diagrams, forms)
    return check_files(session, files, all_forms)


def upload_warnings(session: Session, diagrams: dict[str, bytes], forms: dict[str, bytes]) -> list[Problem]:
    """What a deploy of this upload goes on with but the owner should know (groups with no active member)."""
    return staffing_warnings(session, complete_upload(session, diagrams, forms)[0])


def directory_warnings(session: Session, processes_dir: Path, forms_dir: Path) -> list[Problem]:
    """The same warnings for a folder (`closeloop deploy`)."""
    return staffing_warnings(session, read_dir(processes_dir, forms_dir)[0])


def deploy_upload(session: Session, diagrams: dict[str, bytes], forms: dict[str, bytes], deployed_by: str,
                  comment: str | None = None) -> list[Deployed]:
    """Check, then store a new version of every process an uploaded diagram belongs to (commits).

    Raises DeployError with every problem; nothing is stored then.
    """
    files, all_forms = complete_upload(session, diagrams, forms)
    problems = check_files(session, files, all_forms)
    if problems:
        session.rollback()
        raise DeployError(problems)
    return deploy_files(session, files, all_forms, deployed_by, touching=set(diagrams), comment=comment)


def deploy_directory(session: Session, processes_dir: Path, forms_dir: Path, deployed_by: str,
                     comment: str | None = None) -> list[Deployed]:
    """Check and deploy every diagram of a folder with the forms of another (`closeloop deploy`)."""
    files, forms = read_dir(processes_dir, forms_dir)
    problems = check_files(session, files, forms)
    if problems:
        raise DeployError(problems)
    return deploy_files(session, files, forms, deployed_by, comment=comment)


def init_pack(session: Session, processes_dir: Path, forms_dir: Path,
              deployed_by: str = "system") -> tuple[list[Deployed], list[str]]:
    """Deploy the default pack's processes that have no version yet; returns (deployed, skipped process keys).

    A process that has a version is left alone, and the new ones are built with the deployed files of the
    others (a new caller uses the owner's version of what it calls, not the repository's).
    """
    files, forms = read_dir(processes_dir, forms_dir)
    newest = newest_definitions(session)
    files = overlay(files, caller_files(newest, {n for d in newest for n in d.files}))
    forms = forms | deployed_forms(newest)
    keys = set(build_pack(files, forms, _operations()).processes) if files else set()
    skipped = sorted(k for k in keys if latest_definition(session, k) is not None)
    missing = keys - set(skipped)
    if not missing:
        return [], skipped
    problems = check_files(session, files, forms)
    if problems:
        raise DeployError(problems)
    return deploy_files(session, files, forms, deployed_by, only=missing, comment="default pack"), skipped


def _operations() -> set[str]:

    return registered_operations()


def current_files(session: Session) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The files of the newest version of every process: (diagrams, forms), each file as its newest deploy had it."""
    newest = newest_definitions(session)
    diagrams = caller_files(newest, {n for d in newest for n in d.files})
    return diagrams, deployed_forms(newest)


def export_pack(session: Session, out_dir: Path) -> list[Path]:
    """Write the current versions to OUT/processes and OUT/forms (the layout `closeloop deploy` reads)."""
    diagrams, forms = current_files(session)
    written: list[Path] = []
    for folder, items in (("processes", diagrams), ("forms", forms)):
        target = out_dir / folder
        target.mkdir(parents=True, exist_ok=True)
        for name, raw in sorted(items.items()):
            path = target / Path(name).name  # names come from the database: never a path outside OUT
            path.write_bytes(raw)
            written.append(path)
    return written


def export_zip(session: Session) -> bytes:
    """The current versions as a zip with processes/ and forms/ (the download of the process pages)."""
    diagrams, forms = current_files(session)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, items in (("processes", diagrams), ("forms", forms)):
            for name, raw in sorted(items.items()):
                archive.writestr(f"{folder}/{Path(name).name}", raw)
    return buffer.getvalue()
