"""Instance migration (admins): move a running instance to another version of its process, on purpose."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.admin.actions import Ctx, begin, finish, snapshot
from webapp.engine.clock import iso, now
from webapp.engine.messages import N_
from webapp.engine.migration import Migration, migrate_state
from webapp.engine.outcome import HumanTaskInfo, Outcome, TimerInfo
from webapp.errors import Conflict, NotFound, ServiceError
from webapp.models import HumanTask, Instance, ProcessDefinition, Timer, User
from webapp.workflow.definitions import bundle_for
from webapp.workflow.store import add_event

FINISHED = ("complete", "terminated")
# refusals a migrate job stores as a code with parameters; its page shows them in the reader's language
REFUSALS = {
    "no_version": N_("process '%(process)s' has no version %(version)s"),
    "finished": N_("instance %(id)s is %(status)s; only a running instance can be migrated"),
    "same_version": N_("instance %(id)s is on version %(version)s already"),
    "waiting_removed": N_("version %(version)s has no %(names)s, where the instance waits; migrate it after it "
                          "moved on, or deploy a version that keeps these elements"),
    "passed_removed": N_("version %(version)s has no %(names)s, which the instance has passed or has ahead of it "
                         "inside a running step; its path could not be read on that version, so it keeps its own"),
}


def refusal(cls: type[ServiceError], key: str, **params: Any) -> ServiceError:
    """An error whose message is one of REFUSALS (in the current language), carrying its code and parameters."""
    clean = {k: str(v) for k, v in params.items()}
    return cls(gettext(REFUSALS[key], **clean), key=key, params=clean)


def refusal_text(key: str | None, params: dict[str, str] | None, fallback: str) -> str:
    """A stored refusal in the current language (the stored English text when the code is not known)."""
    return gettext(REFUSALS[key], **(params or {})) if key in REFUSALS else fallback


def _target(session: Session, instance: Instance, to_version: int) -> ProcessDefinition:
    target = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == instance.process_key, ProcessDefinition.version == to_version)).first()
    if target is None:
        raise refusal(NotFound, "no_version", process=instance.process_key, version=to_version)
    return target


def _timers(before: list[TimerInfo], outcome: Outcome | None) -> list[dict[str, Any]]:
    after = {t.task_id: t for t in (outcome.timers if outcome else [])}
    rows = [{"element": t.spec_id, "name": t.name, "due_before": iso(t.due_at),
             "due_after": iso(after[t.task_id].due_at) if t.task_id in after else None} for t in before]
    known = {t.task_id for t in before}
    rows += [{"element": t.spec_id, "name": t.name, "due_before": None, "due_after": iso(t.due_at)}
             for t in after.values() if t.task_id not in known]
    return rows


def _report(instance: Instance, old: ProcessDefinition, new: ProcessDefinition, plan: Migration,
            dry_run: bool) -> dict[str, Any]:
    refused = None
    if plan.removed:
        names = ", ".join(f"'{w.element}' ({w.name})" for w in plan.removed)
        refused = refusal(Conflict, "waiting_removed", version=new.version, names=names)
    elif plan.passed:
        names = ", ".join(sorted({f"'{w.element}' ({w.name})" for w in plan.passed}))
        refused = refusal(Conflict, "passed_removed", version=new.version, names=names)
    return {"instance": instance.id, "process": instance.process_key, "from_version": old.version,
            "to_version": new.version, "dry_run": dry_run, "ok": refused is None,
            "refused": refused.message if refused else None, "refusal": refused,
            "waiting_kept": [w.as_dict() for w in plan.kept], "waiting_removed": [w.as_dict() for w in plan.removed],
            "timers_recomputed": _timers(plan.timers_before, plan.outcome),
            "data_kept": sorted(plan.outcome.data) if plan.outcome else [], "migrated": False}


def migrate_instance(session: Session, instance_id: int, to_version: int, *, dry_run: bool, reason: str,
                     user: User, bulk_id: str | None = None) -> dict[str, Any]:
    """Dry run: what moving the instance to `to_version` would do. Else move it (commits; audit + timeline).

    Raises Conflict (409) when a waiting task would disappear, or the instance is finished or already there.
    """
    ctx = begin(session, instance_id, user, reason, "migrate", bulk_id)
    inst = ctx.instance
    if inst.status in FINISHED:
        raise refusal(Conflict, "finished", id=inst.id, status=inst.status)
    old, new = inst.definition, _target(session, inst, to_version)
    if old.id == new.id:
        raise refusal(Conflict, "same_version", id=inst.id, version=to_version)
    plan = migrate_state(bundle_for(old), bundle_for(new), inst.state or "")
    report = _report(inst, old, new, plan, dry_run)
    refused = report.pop("refusal")
    if dry_run:
        return report
    if refused is not None:
        raise refused
    assert plan.outcome is not None  # nothing waiting was removed: the engine described the migrated instance
    _apply(ctx, new, plan.outcome)
    before = snapshot(inst) | {"version": old.version}
    after = snapshot(inst) | {"version": new.version}
    message = f"migrated from version {old.version} to {new.version}"
    finish(ctx, before, after, target=f"v{new.version}", message=message,
           extra={"from_version": old.version, "to_version": new.version, "timers": report["timers_recomputed"]})
    return report | {"migrated": True}


def _apply(ctx: Ctx, new: ProcessDefinition, outcome: Outcome) -> None:
    """Point the instance at the new version; its human-task and timer rows follow the migrated state."""
    inst = ctx.instance
    inst.definition = new  # the relationship, not only definition_id: a session that keeps this object (commits do
    # not expire it) must not run the old version's specs on its next call (a retry right after the migration)
    inst.state = outcome.state
    if inst.status not in ("error", "suspended"):  # a stuck instance stays stuck until it is retried
        inst.status = outcome.status
    _sync_tasks(ctx, outcome.human_tasks)
    _sync_timers(ctx, outcome.timers)
    add_event(ctx.session, inst, ctx.case, ctx.user.username, "instance_migrated",
              {"version": new.version, "reason": ctx.reason})


def _sync_tasks(ctx: Ctx, human_tasks: list[HumanTaskInfo]) -> None:
    """Open task rows keep their id (and claim); title, group, form and clock come from the new version."""
    inst, session, at = ctx.instance, ctx.session, now()
    ready = {h.task_id: h for h in human_tasks}
    for row in session.scalars(select(HumanTask).where(HumanTask.instance_id == inst.id, HumanTask.state == "open")):
        info = ready.pop(row.task_id, None)
        if info is None:
            row.state, row.completed_at = "cancelled", at
            continue
        row.spec_id, row.title, row.lane, row.group_key = info.spec_id, info.title, info.lane, info.group
        row.form_key, row.clock, row.process_key = info.form, info.clock, info.process_key
    for info in ready.values():
        session.add(HumanTask(instance_id=inst.id, case_id=ctx.case.id if ctx.case else None,
                              case_number=ctx.case.number if ctx.case else None, task_id=info.task_id,
                              spec_id=info.spec_id, title=info.title, process_key=info.process_key, lane=info.lane,
                              group_key=info.group, assignee=info.assignee, form_key=info.form, clock=info.clock,
                              created_at=at))


def _sync_timers(ctx: Ctx, timers: list[TimerInfo]) -> None:
    """Waiting timer rows take their recomputed due time; timers the new version does not have are cancelled."""
    waiting = {t.task_id: t for t in timers}
    for row in ctx.session.scalars(select(Timer).where(Timer.instance_id == ctx.instance.id,
                                                       Timer.state == "waiting")):
        info = waiting.pop(row.task_id, None)
        if info is None:
            row.state = "cancelled"
            continue
        row.due_at, row.spec_id, row.name = info.due_at, info.spec_id, info.name
    for info in waiting.values():
        ctx.session.add(Timer(instance_id=ctx.instance.id, task_id=info.task_id, spec_id=info.spec_id,
                              name=info.name, due_at=info.due_at))

