"""An owner's unsaved work on a process: one draft per owner and process (nothing runs from a draft)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.engine.clock import now
from webapp.processes.models import ProcessDraft

MAX_DRAFT_BYTES = 5 * 1024 * 1024



class DraftError(ValueError):
    """A draft that cannot be stored (says what to fix)."""


def get_draft(session: Session, owner: str, key: str) -> ProcessDraft | None:
    """The owner's draft of a process, or None."""
    stmt = select(ProcessDraft).where(ProcessDraft.owner == owner, ProcessDraft.process_key == key)
    return session.scalars(stmt).first()


def _validated(files: object, allowed: tuple[str, ...], what: str) -> dict[str, str]:
    """A name -> text map whose names end in one of `allowed`; DraftError otherwise."""
    if not isinstance(files, dict) or not files and what == "files":
        raise DraftError(f"'{what}' must be an object of file name -> text")
    out: dict[str, str] = {}
    for name, text in files.items():
        if not isinstance(name, str) or not name.endswith(allowed) or "/" in name or not isinstance(text, str):
            raise DraftError(f"'{what}': '{name}' is not a {' or '.join(allowed)} file given as text")
        out[name] = text
    if sum(len(t) for t in out.values()) > MAX_DRAFT_BYTES:
        raise DraftError(f"'{what}' is larger than {MAX_DRAFT_BYTES} bytes")
    return out


def save_draft(session: Session, owner: str, key: str, base_version: int, files: object,
               forms: object) -> ProcessDraft:
    """Store (replace) the owner's draft of a process; commits."""
    checked_files = _validated(files, (".bpmn", ".dmn"), "files")
    checked_forms = _validated(forms, (".json",), "forms")
    draft = get_draft(session, owner, key)
    if draft is None:
        draft = ProcessDraft(owner=owner, process_key=key)
        session.add(draft)
    draft.base_version = base_version
    draft.files = checked_files
    draft.forms = checked_forms
    draft.updated_at = now()
    session.commit()
    return draft


def discard_draft(session: Session, owner: str, key: str) -> bool:
    """Delete the owner's draft of a process; commits. False if there was none."""
    draft = get_draft(session, owner, key)
    if draft is None:
        return False
    session.delete(draft)
    session.commit()
    return True


def _same_form(text: str, deployed: str) -> bool:
    """True if a form's text says what the deployed form's text says (whitespace and key order aside)."""
    try:
        return bool(json.loads(text) == json.loads(deployed))
    except ValueError:
        return False  # not JSON: changed (the check says what is wrong)


def changed_files(draft: ProcessDraft, files: dict[str, str], forms: dict[str, str]
                  ) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The diagrams and forms of a draft that differ from the deployed ones (only those are uploaded, so the
    processes the owner did not touch keep their version)."""
    diagrams = {n: t.encode() for n, t in draft.files.items() if files.get(n) != t}
    changed = {n: t.encode() for n, t in draft.forms.items() if n not in forms or not _same_form(t, forms[n])}
    return diagrams, changed
