"""Migration in the admin console: which versions an instance may move to, and a dry run over a selection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.admin.actions import check_admin
from webapp.errors import Invalid, ServiceError
from webapp.models import Instance, ProcessDefinition, User
from webapp.processes.migrate import FINISHED, migrate_instance

CHUNK = 5000  # ids per query (SQLite and psycopg bound the number of parameters)
SAMPLE = 50  # instances a bulk dry run looks at in the request (the job reports every refusal anyway)


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
