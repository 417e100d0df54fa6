"""Which issue a case is about, so that G2-b and G3-a count the same problem however it is worded.

The issue is, in order: the one of the case chosen as "same issue" (a link), the object complained about
(vehicle, repair order, building kept in the master data), or the subject normalised (width, case, spacing
and punctuation folded).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.errors import Invalid
from webapp.masterdata.choices import choices
from webapp.masterdata.models import MasterItem
from webapp.models import Case

SUBJECT_PREFIX = "subject:"
_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def normalise(subject: str | None) -> str:
    """The subject folded for comparison: NFKC, case-folded, without spaces and punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", subject or "").casefold())[:100]


def subject_key(subject: str | None) -> str | None:
    """The issue key of a subject alone (None when the subject says nothing)."""
    folded = normalise(subject)
    return SUBJECT_PREFIX + folded if folded else None


def issue_key(session: Session, object_key: str | None, subject: str | None,
              same_issue_as: str | None) -> tuple[str | None, bool]:
    """(issue key, chosen) of a new case: chosen when it comes from a link or an object, not the wording.

    Invalid when the "same issue" case does not exist.
    """
    if same_issue_as:
        other = session.scalars(select(Case).where(Case.number == same_issue_as.strip())).first()
        if other is None:
            raise Invalid("choose an existing case", {"same_issue_as": f"no case {same_issue_as}"})
        return other.issue_key or subject_key(other.subject) or f"case:{other.number}", True
    if object_key:
        return f"object:{object_issue(session, object_key)}", True
    return subject_key(subject), False


def object_of(session: Session, text: str | None) -> str | None:
    """The object a registration names: the master-data key it matches (by key or name, however spaced or cased),
    else the text as typed (spaces tidied): an object not kept yet is recorded on the case, not refused; one the
    administrator withdrew is (Invalid)."""
    typed = " ".join((text or "").split())
    if not typed:
        return None
    found = _kept_objects(session).get(normalise(typed))
    if found is None and session.scalar(select(MasterItem.id).where(
            MasterItem.kind == "object", MasterItem.active.is_(False), MasterItem.key == typed)) is not None:
        raise Invalid("choose from the lists", {"object": f"object '{typed}' was withdrawn from the master data"})
    return found or typed


def object_issue(session: Session, object_key: str) -> str:
    """The issue part of an object: its master-data key, or an unlisted object's text folded (so 'VIN lsv 123'
    and 'vin LSV123' count as one object for G2-b and G3-a)."""
    kept = _kept_objects(session)
    return object_key if object_key in kept.values() else (normalise(object_key) or object_key)


def _kept_objects(session: Session) -> dict[str, str]:
    """Folded key or name -> key of every object the master data keeps."""
    found: dict[str, str] = {}
    for c in choices(session, "object"):
        for text in (c.name_en, c.name_zh, c.key):
            if normalise(text):
                found[normalise(text)] = c.key
    return found


def current(case: Case | None, subject: str | None) -> str | None:
    """The issue a case is about now: the chosen key, else its (possibly just classified) subject's."""
    if case is not None and case.issue_chosen:
        return case.issue_key
    return subject_key(subject)


def refresh(case: Case) -> None:
    """After the subject changed (classification): a wording-based key follows it; a chosen one stays."""
    if not case.issue_chosen:
        case.issue_key = subject_key(case.subject)
