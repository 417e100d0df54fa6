"""Bulk actions: the same action on many instances, each in its own transaction, with a result per instance."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from webapp.admin import actions as admin
from webapp.admin import repair as admin_repair
from webapp.errors import Invalid, NotFound, ServiceError
from webapp.models import User
from webapp.security.limits import MAX_INT

log = logging.getLogger("closeloop.admin")
MAX_BULK = 5000

ACTIONS: dict[str, Callable[..., admin.ActionResult]] = {
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


def check(action: str, ids: Any, user: User, reason: str | None, limit: int = MAX_BULK,
          allowed: tuple[str, ...] = admin.BULK_ACTIONS) -> list[int]:
    """Validate a bulk request before any instance is touched; returns the ids."""
    admin.check_admin(user)
    if action not in allowed:
        raise Invalid(f"'{action}' cannot be done in bulk", {"action": "one of " + ", ".join(allowed)})
    if len((reason or "").strip()) < admin.MIN_REASON:
        raise Invalid("say why you do this; the reason goes to the audit log", {"reason": "required"})
    if not isinstance(ids, list) or not ids or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= MAX_INT for i in ids):
        raise Invalid("select at least one instance", {"ids": "a non-empty list of instance ids"})
    if len(ids) > limit:
        raise Invalid(f"at most {limit} instances at once", {"ids": "too many"})
    return list(dict.fromkeys(ids))


def run(session: Session, action: str, ids: Any, user: User, reason: str,
        bulk_id: str | None = None) -> BulkReport:
    """Apply the action to each instance; a refusal or failure on one does not stop the others."""
    clean = check(action, ids, user, reason)
    report = BulkReport(action, bulk_id or str(uuid.uuid4()))
    fn = ACTIONS[action]
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


def _id(params: dict[str, Any], key: str, required: bool = True) -> int | None:
    value = params.get(key)
    if value in (None, "") and not required:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_INT:
        raise Invalid(f"'{key}' must be an integer id", {key: "required integer"})
    return value


def perform(session: Session, instance_id: int, user: User, action: str, params: dict[str, Any]) -> admin.ActionResult:
    """Run one named action with its parameters (from JSON or a form); 'reason' is always required."""
    reason = params.get("reason") or ""
    if action == "retry":
        return admin_repair.retry(session, instance_id, user, reason)
    if action == "skip":
        return admin_repair.skip(session, instance_id, user, reason, params.get("data", {}),
                                 _id(params, "task_id", required=False))
    if action == "edit_data":
        return admin_repair.edit_data(session, instance_id, user, reason, params.get("data"))
    if action == "reassign":
        return admin.reassign(session, instance_id, user, reason, _id(params, "task_id") or 0, params.get("username"))
    if action in ("suspend", "resume", "terminate"):
        fn: Callable[..., admin.ActionResult] = getattr(admin, action)
        return fn(session, instance_id, user, reason)
    if action == "fire_timer":
        return admin_repair.fire_timer(session, instance_id, user, reason, _id(params, "timer_id") or 0)
    if action == "redeliver":
        return admin.redeliver(session, instance_id, user, reason, _id(params, "outbox_id", required=False))
    if action == "reset":
        if not isinstance(params.get("task_id"), str) or not params["task_id"]:
            raise Invalid("name the completed task to move back to", {"task_id": "required task id (uuid)"})
        return admin_repair.reset(session, instance_id, user, reason, params["task_id"])
    raise NotFound(f"unknown action '{action}'; one of: {', '.join(admin.ACTIONS)}")
