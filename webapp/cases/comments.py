"""Comments and file attachments on a case (staff only), each also written to the case timeline."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.cases.models import Attachment, Comment
from webapp.engine.clock import now
from webapp.errors import Invalid, NotFound
from webapp.models import Case
from webapp.workflow.store import add_event

MAX_COMMENT = 10_000
# extension -> (content type, leading bytes the file must start with, or None when not checked)
ALLOWED: dict[str, tuple[str, bytes | None]] = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".png": ("image/png", b"\x89PNG"),
    ".jpg": ("image/jpeg", b"\xff\xd8"),
    ".jpeg": ("image/jpeg", b"\xff\xd8"),
    ".gif": ("image/gif", b"GIF8"),
    ".webp": ("image/webp", b"RIFF"),
    ".txt": ("text/plain", None),
    ".csv": ("text/csv", None),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ".mp3": ("audio/mpeg", None),
    ".m4a": ("audio/mp4", None),
    ".wav": ("audio/wav", b"RIFF"),
}


def add_comment(session: Session, case: Case, author: str, body: str) -> Comment:
    """Add a staff comment (never shown to the customer)."""
    text = (body or "").strip()
    if not text:
        raise Invalid("write a comment first", {"body": "required"})
    if len(text) > MAX_COMMENT:
        raise Invalid("comment too long", {"body": f"at most {MAX_COMMENT} characters"})
    comment = Comment(case_id=case.id, author=author, body=text, created_at=now())
    session.add(comment)
    session.flush()
    add_event(session, None, case, author, "comment_added", {"comment": comment.id})
    session.commit()
    return comment


def comments(session: Session, case: Case) -> list[Comment]:
    """The case's comments, oldest first."""
    return list(session.scalars(select(Comment).where(Comment.case_id == case.id).order_by(Comment.id)))


def save_attachment(session: Session, case: Case, upload_dir: str | Path, filename: str, stream: IO[bytes],
                    uploaded_by: str, max_bytes: int, commit: bool = True) -> Attachment:
    """Check type and size, store the bytes under upload_dir and record the attachment.

    With `commit=False` the row joins the caller's transaction; the caller removes the file (`stored_path`) if that
    transaction fails.
    """
    clean = _clean_name(filename)
    ext = Path(clean).suffix.lower()
    if ext not in ALLOWED:
        raise Invalid("file type not allowed", {"file": "allowed: " + ", ".join(sorted(ALLOWED))})
    content_type, magic = ALLOWED[ext]
    data = stream.read(max_bytes + 1)
    if not data:
        raise Invalid("the file is empty", {"file": "choose a file"})
    if len(data) > max_bytes:
        raise Invalid("file too large", {"file": f"at most {max_bytes // (1024 * 1024)} MB"})
    if magic is not None and not data.startswith(magic):
        raise Invalid("the file content does not match its type", {"file": f"not a real {ext} file"})
    stored = f"{uuid.uuid4().hex}{ext}"
    path = _path(upload_dir, stored)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    attachment = Attachment(case_id=case.id, filename=clean, stored_name=stored, content_type=content_type,
                            size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_by=uploaded_by,
                            created_at=now())
    session.add(attachment)
    session.flush()
    add_event(session, None, case, uploaded_by, "attachment_added",
              {"file": clean, "size": len(data), "attachment": attachment.id})
    if not commit:
        return attachment
    try:
        session.commit()
    except Exception:
        path.unlink(missing_ok=True)  # no orphan files when the row could not be written
        raise
    return attachment


def attachments(session: Session, case: Case) -> list[Attachment]:
    """The case's attachments, oldest first."""
    return list(session.scalars(select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)))


def attachment_file(session: Session, case: Case, attachment_id: int,
                    upload_dir: str | Path) -> tuple[Attachment, Path]:
    """An attachment of this case and the path of its bytes, or NotFound."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound("no such attachment on this case")
    path = _path(upload_dir, attachment.stored_name)
    if not path.is_file():
        raise NotFound("the file of this attachment is missing on the server")
    return attachment, path


def stored_path(upload_dir: str | Path, attachment: Attachment) -> Path:
    """Where an attachment's bytes are kept."""
    return _path(upload_dir, attachment.stored_name)


def _path(upload_dir: str | Path, stored: str) -> Path:
    return Path(upload_dir) / stored[:2] / stored


def _clean_name(filename: str) -> str:
    base = os.path.basename((filename or "").replace("\\", "/")).strip().strip(".")
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*')
    return base[:200] or "file"
