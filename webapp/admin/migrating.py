"""Migration in the admin console: which versions an instance may move to, and a dry run over a selection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.admin import jobs
from webapp.admin.actions import check_admin
from webapp.admin.models import AdminJob
from webapp.errors import Invalid, NotFound, ServiceError
from webapp.models import Instance, ProcessDefinition, User
from webapp.processes.migrate import FINISHED, migrate_instance

CHUNK = 5000  # ids per query (SQLite and psycopg bound the number of parameters)
SAMPLE = 50  # instances a bulk dry run looks at in the request (the job reports every refusal anyway)
MAX_PAGE = 200  # at most this many instances per page of an API bulk dry run


def versions_of(session: Session, key: str) -> list[int]:
    """The deployed versions of a process, newest first."""
    return list(session.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == key)
                                .order_by(ProcessDefinition.version.desc())))


def targets(session: Session, instance: Instance) -> list[int]:
    """The versions a running instance may be moved to (every other version of its process; none when finished)."""
    if instance.status in FINISHED:
        return []
    return [v for v in versions_of(session, instance.process_key) if v != instance.definition.version]


@dataclass
class Selection:
    """The instances a bulk migration would move: their one process, how many, the versions they are on."""

    process: str
    ids: list[int]
    on_versions: dict[int, int] = field(default_factory=dict)  # version -> instances
    finished: int = 0


def selection(session: Session, ids: list[int]) -> Selection:
    """Describe a selection; Invalid unless it is of exactly one process."""
    if not ids:
        raise Invalid(gettext("select at least one instance (or apply to all matching the filter)"), {"ids": "empty"})
    rows = [row for start in range(0, len(ids), CHUNK) for row in session.execute(
        select(Instance.process_key, ProcessDefinition.version, Instance.status, func.count(Instance.id))
        .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
        .where(Instance.id.in_(ids[start:start + CHUNK]))
        .group_by(Instance.process_key, ProcessDefinition.version, Instance.status))]
    keys = sorted({r[0] for r in rows})
    if len(keys) != 1:
        raise Invalid(gettext("select instances of one process to migrate them together (filter the list by "
                              "process); the selection holds %(processes)s",
                              processes=", ".join(keys) or gettext("no instance")), {"process": "one process"})
    out = Selection(keys[0], ids)
    for _, version, status, n in rows:
        if status in FINISHED:
            out.finished += n
        else:
            out.on_versions[version] = out.on_versions.get(version, 0) + n
    return out


def dry_run_many(session: Session, ids: list[int], to_version: int, user: User, reason: str,
                 sample: int = SAMPLE) -> dict[str, Any]:
    """Dry-run the first `sample` instances: a report each (refusals included) and the counts."""
    check_admin(user)
    items: list[dict[str, Any]] = []
    for instance_id in ids[:sample]:
        try:
            items.append(migrate_instance(session, instance_id, to_version, dry_run=True, reason=reason, user=user))
        except ServiceError as exc:
            if exc.status not in (404, 409):
                raise
            session.rollback()
            items.append({"instance": instance_id, "ok": False, "refused": exc.message, "migrated": False})
    refused = [i for i in items if not i["ok"]]
    return {"items": items, "checked": len(items), "total": len(ids), "would_move": len(items) - len(refused),
            "refused": len(refused)}


def _running_on(session: Session, process: str, version: int) -> Any:
    """The query of the unfinished instances on one version of a process (NotFound if there is no such version)."""
    source = session.scalars(select(ProcessDefinition.id).where(
        ProcessDefinition.key == process, ProcessDefinition.version == version)).first()
    if source is None:
        raise NotFound(gettext("process '%(process)s' has no version %(version)s", process=process, version=version))
    return select(Instance.id).where(Instance.definition_id == source, Instance.status.not_in(FINISHED))


def _check_target(session: Session, process: str, to_version: int) -> None:
    if to_version not in versions_of(session, process):
        raise NotFound(gettext("process '%(process)s' has no version %(version)s", process=process,
                               version=to_version))


def dry_run_page(session: Session, process: str, version: int, to_version: int, *, reason: str, user: User,
                 after: int = 0, limit: int = SAMPLE) -> dict[str, Any]:
    """One page of a bulk dry run (instances with an id above `after`, at most `limit`), with the total and
    where the next page starts: the request stays short however many instances the version runs."""
    check_admin(user)
    query = _running_on(session, process, version)
    _check_target(session, process, to_version)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = list(session.scalars(query.where(Instance.id > after).order_by(Instance.id).limit(limit + 1)))
    report = dry_run_many(session, ids[:limit], to_version, user, reason, sample=limit)
    next_after = ids[limit - 1] if len(ids) > limit else None
    message = gettext("dry run of %(checked)s of %(total)s running instances", checked=report["checked"],
                      total=total)
    if next_after is not None:
        message += "; " + gettext("ask again with \"after\": %(after)s for the next page", after=next_after)
    return {"process": process, "from_version": version, "to_version": to_version, "dry_run": True,
            "items": report["items"], "checked": report["checked"], "total": total, "after": after,
            "next_after": next_after, "would_move": report["would_move"], "refused": report["refused"],
            "message": message}


def queue_migration(session: Session, process: str, version: int, to_version: int, *, reason: str,
                    user: User) -> AdminJob:
    """Queue a migrate job for every unfinished instance of one version (the worker moves them; commits)."""
    check_admin(user)
    query = _running_on(session, process, version)
    _check_target(session, process, to_version)
    ids = list(session.scalars(query.order_by(Instance.id).limit(jobs.MAX_JOB + 1)))
    if not ids:
        raise Invalid(gettext("no running instance is on version %(version)s of '%(process)s'", version=version,
                              process=process), {"filter": "matches no running instance"})
    if len(ids) > jobs.MAX_JOB:
        raise Invalid(gettext("more than %(max)s instances: migrate them in several jobs (select them by id on "
                              "POST /api/v1/jobs)", max=jobs.MAX_JOB), {"filter": "too many"})
    return jobs.create(session, "migrate", ids, user, reason, {"to_version": to_version})
