"""Bulk admin actions as background jobs: a job row, run by the worker in batches, one transaction per instance.

An administrator queues retry/suspend/resume/terminate/redeliver, or migrate (to one version: job.params), on up
to MAX_JOB instances; the request only writes the job row. Workers claim a job with a lease (a conditional
UPDATE, so two workers never run the same job at once), act on the next instances, and commit the progress after
each one. A worker killed mid-job leaves the lease to expire; the next worker resumes at the saved position and
skips the one instance whose action committed just before the kill. Its audit entry (written in the action's own
transaction, carrying the job's bulk_id) is the recorded outcome: the resumed job counts it as it went.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import Exists, ScalarSelect, func, or_, select, update
from sqlalchemy.orm import Session

from webapp.admin import bulk
from webapp.admin.actions import BULK_ACTIONS
from webapp.admin.models import AdminJob, AuditEntry
from webapp.engine.clock import now
from webapp.engine.messages import N_
from webapp.errors import Invalid, NotFound, ServiceError
from webapp.models import User
from webapp.processes.migrate import migrate_instance, refusal_text
from webapp.security.limits import MAX_INT

log = logging.getLogger("closeloop.admin")
MAX_JOB = 100_000
MAX_PROBLEMS = 200  # refusals and failures kept on the job row (all of them are in the audit log or logs)
LEASE = timedelta(seconds=60)
JOB_ACTIONS = (*BULK_ACTIONS, "migrate")
JOB_MESSAGES = {"job_user_gone": N_("the job's user is gone")}


def create(session: Session, action: str, ids: Any, user: User, reason: str,
           params: dict[str, Any] | None = None) -> AdminJob:
    """Validate and queue a bulk action (migrate: params {'to_version': N}); the worker does the work. Commits."""
    clean = bulk.check(action, ids, user, reason, limit=MAX_JOB, allowed=JOB_ACTIONS)
    job_params = {"to_version": to_version((params or {}).get("to_version"))} if action == "migrate" else None
    job = AdminJob(created_by=user.username, action=action, reason=reason.strip(), bulk_id=str(uuid.uuid4()),
                   ids=clean, total=len(clean), position=0, counts={"ok": 0, "failed": 0, "refused": 0},
                   problems=[], status="queued", params=job_params)
    session.add(job)
    session.commit()
    return job


def to_version(value: Any) -> int:
    """The version a migrate job moves its instances to (a positive integer, or Invalid)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_INT:
        raise Invalid(gettext("give the version to migrate to"), {"to_version": "a version number, e.g. 3"})
    return value


def get(session: Session, job_id: int) -> AdminJob:
    """One job (or NotFound)."""
    job = session.get(AdminJob, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def recent(session: Session, limit: int = 20) -> list[AdminJob]:
    """The newest jobs first."""
    return list(session.scalars(select(AdminJob).order_by(AdminJob.id.desc()).limit(limit)))


def as_dict(job: AdminJob) -> dict[str, Any]:
    """JSON form: progress, counts, the first problems."""
    return {"id": job.id, "action": job.action, "status": job.status, "total": job.total, "done": job.position,
            "percent": round(100 * job.position / job.total) if job.total else 100, "counts": job.counts,
            "problems": job.problems, "params": job.params or {}, "bulk_id": job.bulk_id, "reason": job.reason,
            "created_by": job.created_by,
            "created_at": job.created_at.isoformat(), "updated_at": job.updated_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}


def problem_texts(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A job's problems with their message in the reader's language (stored: English text, code, parameters)."""
    return [p | {"message": gettext(JOB_MESSAGES[p["code"]]) if p.get("code") in JOB_MESSAGES
                 else refusal_text(p.get("code"), p.get("params"), p.get("message", ""))} for p in problems]


def lease_columns() -> tuple[Exists, ScalarSelect[datetime | None]]:
    """Whether an unfinished job is free to claim, and when the earliest lease of one held by a worker ends
    (columns for the worker's one due-times statement)."""
    unfinished = AdminJob.status.in_(("queued", "running"))
    free = select(AdminJob.id).where(unfinished, AdminJob.lease_until.is_(None)).exists()
    return free, select(func.min(AdminJob.lease_until)).where(unfinished).scalar_subquery()


def claim(session: Session) -> AdminJob | None:
    """Take the oldest unfinished job whose lease is free or expired (committed), or None."""
    at = now()
    candidates = session.scalars(select(AdminJob.id).where(
        AdminJob.status.in_(("queued", "running")),
        or_(AdminJob.lease_until.is_(None), AdminJob.lease_until < at)).order_by(AdminJob.id).limit(5)).all()
    for job_id in candidates:
        taken = session.execute(update(AdminJob).where(
            AdminJob.id == job_id, or_(AdminJob.lease_until.is_(None), AdminJob.lease_until < at)).values(
            lease_until=at + LEASE, status="running", updated_at=at))
        session.commit()
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(AdminJob, job_id)
    return None


def run_batch(session: Session, batch: int = 50) -> int:
    """Claim a job and act on up to `batch` of its instances, one transaction each; how many were done."""
    job = claim(session)
    if job is None:
        return 0
    user = session.scalars(select(User).where(User.username == job.created_by)).one_or_none()
    done = 0
    while done < batch and job.position < job.total:
        instance_id = job.ids[job.position]
        if user is None:
            outcome = {"instance_id": instance_id, "outcome": "refused", "message": "the job's user is gone",
                       "code": "job_user_gone", "params": {}}
        elif (recorded := _recorded(session, job, instance_id)) is not None:
            outcome = recorded  # acted on just before a worker was killed; its progress was not saved
        else:
            outcome = _act(session, job, user, instance_id)
        _advance(session, job, outcome)
        done += 1
    if job.position >= job.total:
        job.status, job.finished_at, job.lease_until = "done", now(), None
    else:
        job.lease_until = None  # free for the next batch (this worker or another)
    session.commit()
    return done


def _recorded(session: Session, job: AdminJob, instance_id: int) -> dict[str, Any] | None:
    """The outcome this job already recorded for the instance (its audit entry), or None if not acted on yet."""
    entry = session.scalars(select(AuditEntry).where(AuditEntry.bulk_id == job.bulk_id,
                                                     AuditEntry.instance_id == instance_id)
                            .order_by(AuditEntry.id.desc()).limit(1)).first()
    if entry is None:
        return None
    return {"instance_id": instance_id, "outcome": "ok" if entry.result == "ok" else "failed",
            "message": entry.message or ""}


def _run_one(session: Session, job: AdminJob, user: User, instance_id: int) -> tuple[bool, str]:
    """Do the job's action on one instance (commits): (ok, message)."""
    if job.action == "migrate":
        report = migrate_instance(session, instance_id, int((job.params or {})["to_version"]), dry_run=False,
                                  reason=job.reason, user=user, bulk_id=job.bulk_id)
        return True, f"migrated from version {report['from_version']} to {report['to_version']}"
    result = bulk.ACTIONS[job.action](session, instance_id, user, job.reason, bulk_id=job.bulk_id)
    return result.ok, result.message


def _act(session: Session, job: AdminJob, user: User, instance_id: int) -> dict[str, Any]:
    try:
        ok, message = _run_one(session, job, user, instance_id)
        return {"instance_id": instance_id, "outcome": "ok" if ok else "failed", "message": message}
    except ServiceError as exc:
        session.rollback()
        coded = {"code": exc.key, "params": exc.params} if exc.key else {}
        return {"instance_id": instance_id, "outcome": "refused", "message": exc.message} | coded
    except Exception as exc:  # one broken instance must not stop the job; the error is reported
        session.rollback()
        log.exception("job %s: %s on instance %s failed", job.id, job.action, instance_id)
        return {"instance_id": instance_id, "outcome": "refused", "message": f"{type(exc).__name__}: {exc}"}


def _advance(session: Session, job: AdminJob, outcome: dict[str, Any]) -> None:
    """Save the progress past one instance (its own small commit, with the lease renewed)."""
    job.position += 1
    job.counts = {**job.counts, outcome["outcome"]: job.counts[outcome["outcome"]] + 1}
    if outcome["outcome"] != "ok" and len(job.problems) < MAX_PROBLEMS:
        job.problems = [*job.problems, outcome]
    job.updated_at = now()
    job.lease_until = job.updated_at + LEASE
    session.commit()
