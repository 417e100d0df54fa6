"""Bulk actions: the same action on many instances, each in its own transaction, with a result per instance."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from webapp.models import User
from webapp.services import admin, admin_repair
from webapp.services.errors import Invalid, ServiceError

log = logging.getLogger("closeloop.admin")
MAX_BULK = 5000

_ACTIONS: dict[str, Callable[..., admin.ActionResult]] = {
    "retry": admin_repair.retry,
    "suspend": admin.suspend,
    "resume": admin.resume,
    "terminate": admin.terminate,
    "redeliver": admin.redeliver,
}


@dataclass
class BulkReport:
    """Per-instance results of one bulk run."""

    action: str
    bulk_id: str
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """How many succeeded, failed (action ran but the instance still fails) and were refused."""
        out = {"ok": 0, "failed": 0, "refused": 0}
        for r in self.results:
            out[r["outcome"]] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"action": self.action, "bulk_id": self.bulk_id, "counts": self.counts, "results": self.results}


def check(action: str, ids: Any, user: User, reason: str | None) -> list[int]:
    """Validate a bulk request before any instance is touched; returns the ids."""
    admin.check_admin(user)
    if action not in _ACTIONS:
        raise Invalid(f"'{action}' cannot be done in bulk", {"action": "one of " + ", ".join(admin.BULK_ACTIONS)})
    if len((reason or "").strip()) < admin.MIN_REASON:
        raise Invalid("say why you do this; the reason goes to the audit log", {"reason": "required"})
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise Invalid("select at least one instance", {"ids": "a non-empty list of instance ids"})
    if len(ids) > MAX_BULK:
        raise Invalid(f"at most {MAX_BULK} instances at once", {"ids": "too many"})
    return list(dict.fromkeys(ids))


def run(session: Session, action: str, ids: Any, user: User, reason: str,
        bulk_id: str | None = None) -> BulkReport:
    """Apply the action to each instance; a refusal or failure on one does not stop the others."""
    clean = check(action, ids, user, reason)
    report = BulkReport(action, bulk_id or str(uuid.uuid4()))
    fn = _ACTIONS[action]
    for instance_id in clean:
        try:
            result = fn(session, instance_id, user, reason, bulk_id=report.bulk_id)
            report.results.append({"instance_id": instance_id, "outcome": "ok" if result.ok else "failed",
                                   "status": result.status, "message": result.message})
        except ServiceError as exc:
            session.rollback()
            report.results.append({"instance_id": instance_id, "outcome": "refused", "code": exc.code,
                                   "http_status": exc.status, "message": exc.message})
        except Exception as exc:  # one broken instance must not stop the rest; the error is reported
            session.rollback()
            log.exception("bulk %s on instance %s failed", action, instance_id)
            report.results.append({"instance_id": instance_id, "outcome": "refused", "code": "internal_error",
                                   "http_status": 500, "message": f"{type(exc).__name__}: {exc}"})
    return report
