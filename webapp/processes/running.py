"""Running (not finished) instances per process version, called processes included.

A case counts for the version it was started on (its top-level process), and also for the version of each called
process its workflow currently runs in: one where it has an open person's task or a waiting timer. The called
version is the one whose diagram the caller's version carries (the same file text), else the newest version of
the called process deployed with or before the caller's version.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.engine.pack import DeployError
from webapp.models import HumanTask, Instance, ProcessDefinition, Timer
from webapp.workflow.definitions import bundle_for

FINISHED = ("complete", "terminated")


def running_by_definition(session: Session) -> dict[int, int]:
    """Running instances per definition id: its own instances plus the cases inside it as a called process."""
    defs = {d.id: d for d in session.scalars(select(ProcessDefinition))}
    counts: dict[int, int] = {}
    for definition_id, count in session.execute(select(Instance.definition_id, func.count())
                                                .where(Instance.status.not_in(FINISHED))
                                                .group_by(Instance.definition_id)):
        counts[definition_id] = count
    inside: dict[int, set[int]] = {}
    resolved: dict[tuple[int, str], int | None] = {}
    for definition_id, key, instance_id in _called_rows(session, defs):
        if (definition_id, key) not in resolved:
            resolved[(definition_id, key)] = called_version(defs[definition_id], key, defs.values())
        target = resolved[(definition_id, key)]
        if target is not None:
            inside.setdefault(target, set()).add(instance_id)
    for target, ids in inside.items():
        counts[target] = counts.get(target, 0) + len(ids)
    return counts


def _called_rows(session: Session, defs: dict[int, ProcessDefinition]) -> list[tuple[int, str, int]]:
    """(caller definition id, called process key, instance id): open tasks and waiting timers outside the top
    process of running instances."""
    live = Instance.status.not_in(FINISHED)
    rows: list[tuple[int, str, int]] = [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(Instance.definition_id, HumanTask.process_key, HumanTask.instance_id).distinct()
        .join(Instance, Instance.id == HumanTask.instance_id)
        .where(HumanTask.state == "open", live, HumanTask.process_key != Instance.process_key))]
    owners: dict[tuple[int, str], str | None] = {}
    for definition_id, spec_id, instance_id in session.execute(
            select(Instance.definition_id, Timer.spec_id, Timer.instance_id).distinct()
            .join(Instance, Instance.id == Timer.instance_id).where(Timer.state == "waiting", live)):
        if (definition_id, spec_id) not in owners:
            owners[(definition_id, spec_id)] = _timer_process(defs[definition_id], spec_id)
        key = owners[(definition_id, spec_id)]
        if key is not None and key != defs[definition_id].key:
            rows.append((definition_id, key, instance_id))
    return rows


def _timer_process(definition: ProcessDefinition, spec_id: str) -> str | None:
    """The key of the process (the top one first) of a version's bundle that has an element `spec_id`."""
    try:
        bundle = bundle_for(definition)
    except (DeployError, KeyError, ValueError):  # a stored version that no longer builds counts only for itself
        return None
    specs: dict[str, Any] = {definition.key: bundle.spec, **bundle.subprocess_specs}
    return next((key for key, spec in specs.items() if spec_id in getattr(spec, "task_specs", {})), None)


def called_version(caller: ProcessDefinition, key: str, defs: Any) -> int | None:
    """The definition id of `key` that `caller` carries: same main file text, else the newest deployed by then."""
    versions = sorted((d for d in defs if d.key == key), key=lambda d: d.version, reverse=True)
    for definition in versions:
        name = _main_file(definition)
        if name and caller.files.get(name) == definition.files.get(name):
            return int(definition.id)
    earlier = [d for d in versions if d.deployed_at <= caller.deployed_at]
    return int(earlier[0].id) if earlier else None


def _main_file(definition: ProcessDefinition) -> str | None:
    """The file of a version that defines its process."""
    return next((n for n, t in sorted(definition.files.items())
                 if n.endswith(".bpmn") and f'id="{definition.key}"' in t), None)
