"""The admin instance list (filters, counts, keyset paging; never loads a workflow) and the instance page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from webapp.admin import actions as admin
from webapp.admin.stuck import RULES, Reason, StuckSettings, reasons_for, stuck_condition
from webapp.engine.clock import now
from webapp.engine.repair import SKIPPABLE, RepairEngine, ResetPoint, Trace
from webapp.engine.tracing import ProcessTraces, trace_processes
from webapp.errors import Invalid, NotFound
from webapp.models import Case, Event, HumanTask, Instance, Outbox, ProcessDefinition, Timer
from webapp.paging import newest_first
from webapp.security.limits import EARLIEST_DAY, LATEST_DAY, MAX_INT
from webapp.workflow.definitions import bundle_for
from webapp.workflow.models import STATUSES


@dataclass
class InstanceFilters:
    """What the administrator narrowed the list to."""

    status: str | None = None
    stuck: bool = False
    rule: str | None = None
    process: str | None = None
    version: int | None = None
    grade: str | None = None
    older_than_days: float | None = None
    idle_hours: float | None = None
    error_text: str | None = None
    case_number: str | None = None

    def check(self) -> None:
        """Refuse unknown statuses and rules."""
        if self.status and self.status not in STATUSES:
            raise Invalid(f"unknown status '{self.status}'", {"status": "one of " + ", ".join(STATUSES)})
        if self.rule and self.rule not in RULES:
            raise Invalid(f"unknown stuck rule '{self.rule}'", {"rule": "one of " + ", ".join(RULES)})


# an age filter counts back from now: beyond the span of days a person may name (1900..2999) the cutoff left the
# calendar Python has (older_than_days=999999 was a 500)
MAX_AGE_DAYS = (LATEST_DAY - EARLIEST_DAY).days


def filters_from(args: Any) -> InstanceFilters:
    """InstanceFilters from query parameters or a JSON object."""
    def num(key: str, most: int = MAX_INT) -> float | None:
        value = args.get(key)
        if value in (None, ""):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise Invalid(f"'{key}' must be a number", {key: "number"}) from None
        if not -most <= number <= most:  # also refuses inf and nan
            raise Invalid(f"'{key}' must be between {-most} and {most}", {key: f"between {-most} and {most}"})
        return number

    version = num("version")
    return InstanceFilters(
        status=args.get("status") or None, stuck=str(args.get("stuck", "")).lower() in ("1", "true", "yes"),
        rule=args.get("rule") or None, process=args.get("process") or None,
        version=int(version) if version else None, grade=args.get("grade") or None,
        older_than_days=num("older_than_days", MAX_AGE_DAYS), idle_hours=num("idle_hours", MAX_AGE_DAYS * 24),
        error_text=args.get("error") or None, case_number=args.get("case") or None,
    )


@dataclass
class Row:
    """One line of the list: the instance, its case and why it is stuck (if it is)."""

    instance: Instance
    case: Case | None
    reasons: list[Reason] = field(default_factory=list)


def filtered(filters: InstanceFilters, at: datetime, settings: StuckSettings) -> Select[Any]:
    """SELECT of the instances matching the filters."""
    filters.check()
    stmt = select(Instance)
    if filters.status:
        stmt = stmt.where(Instance.status == filters.status)
    if filters.stuck or filters.rule:
        stmt = stmt.where(stuck_condition(at, settings, filters.rule))
    if filters.process:
        stmt = stmt.where(Instance.process_key == filters.process)
    if filters.version:
        stmt = stmt.where(Instance.definition_id.in_(select(ProcessDefinition.id).where(
            ProcessDefinition.version == filters.version)))
    if filters.grade or filters.case_number:
        cases = select(Case.instance_id).where(Case.instance_id.is_not(None))
        if filters.grade:
            cases = cases.where(Case.grade == filters.grade)
        if filters.case_number:
            cases = cases.where(Case.number == filters.case_number.strip())
        stmt = stmt.where(Instance.id.in_(cases))
    if filters.older_than_days:
        stmt = stmt.where(Instance.created_at < at - timedelta(days=filters.older_than_days))
    if filters.idle_hours:
        stmt = stmt.where(Instance.updated_at < at - timedelta(hours=filters.idle_hours))
    if filters.error_text:
        text = f"%{filters.error_text.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Instance.error["message"].as_string()).like(text),
                              func.lower(Instance.error["element"].as_string()).like(text)))
    return stmt


def list_instances(session: Session, filters: InstanceFilters, settings: StuckSettings,
                   before_id: int | None = None, limit: int = 50) -> tuple[list[Row], int | None]:
    """Newest first, keyset-paged by id; each row with its case and stuck reasons."""
    at = now()
    stmt = filtered(filters, at, settings)
    rows, next_before = newest_first(session, stmt, Instance.id, before_id, limit)
    ids = [r.id for r in rows]
    cases = {c.instance_id: c for c in session.scalars(select(Case).where(Case.instance_id.in_(ids)))} if ids else {}
    reasons = reasons_for(session, ids, at, settings)
    return [Row(r, cases.get(r.id), reasons.get(r.id, [])) for r in rows], next_before


def matching_ids(session: Session, filters: InstanceFilters, settings: StuckSettings, limit: int = 5000) -> list[int]:
    """Ids of all instances matching the filters (for a bulk action by filter)."""
    stmt = filtered(filters, now(), settings).with_only_columns(Instance.id)
    return list(session.scalars(stmt.order_by(Instance.id.desc()).limit(limit)))


def status_counts(session: Session) -> dict[str, int]:
    """Number of instances per status (every status listed, zeros included)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in session.execute(select(Instance.status, func.count(Instance.id)).group_by(Instance.status)):
        counts[status] = n
    return counts


@dataclass
class Detail:
    """Everything the instance page shows."""

    instance: Instance
    case: Case | None
    reasons: list[Reason]
    tasks: list[HumanTask]
    timers: list[Timer]
    outbox: list[Outbox]
    data: dict[str, Any]
    trace: Trace
    reset_points: list[ResetPoint]
    actions: dict[str, str]
    load_error: str | None = None
    traces: ProcessTraces | None = None  # per diagram: the instance's process and the processes it called


def detail(session: Session, instance_id: int, settings: StuckSettings) -> Detail:
    """Load one instance with its side tables, its data and where the token has been."""
    instance = session.get(Instance, instance_id)
    if instance is None:
        raise NotFound(f"instance {instance_id} not found")
    case = session.scalars(select(Case).where(Case.instance_id == instance.id)).first()
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                                 .order_by(HumanTask.id.desc()).limit(50)))
    timers = list(session.scalars(select(Timer).where(Timer.instance_id == instance.id).order_by(Timer.id)))
    outbox = list(session.scalars(select(Outbox).where(Outbox.instance_id == instance.id).order_by(Outbox.id)))
    trace, points, data, load_error, traces = Trace(), [], {}, None, None
    engine = RepairEngine()
    try:
        if instance.state is not None:
            bundle = bundle_for(instance.definition)
            trace = engine.trace(bundle, instance.state)
            traces = trace_processes(bundle, instance.state, instance.error if instance.status == "error" else None)
            points = engine.reset_points(bundle, instance.state)
            data = engine.frontier_data(bundle, instance.state)
        else:
            data = dict((instance.pending_action or {}).get("data") or {})
    except Exception as exc:  # a state that does not load is itself a finding to show, not a crash
        load_error = f"{type(exc).__name__}: {exc}"
    reasons = reasons_for(session, [instance.id], now(), settings).get(instance.id, [])
    actions = available_actions(instance, tasks, timers, outbox, points, engine)
    return Detail(instance, case, reasons, tasks, timers, outbox, data, trace, points, actions, load_error, traces)


def available_actions(instance: Instance, tasks: list[HumanTask], timers: list[Timer], outbox: list[Outbox],
                      points: list[ResetPoint], engine: RepairEngine) -> dict[str, str]:
    """The actions valid in the instance's state, each with a short hint (absent = not offered)."""
    status = instance.status
    active = status not in admin.FINISHED
    out: dict[str, str] = {}
    open_tasks = [t for t in tasks if t.state == "open"]
    if status == "error" and instance.pending_action:
        out["retry"] = "run the failed step again"
        element = (instance.error or {}).get("element")
        if element and engine.element_kind(bundle_for(instance.definition), element) in SKIPPABLE:
            out["skip"] = f"complete '{element}' without running it"
    if status == "user_input" and open_tasks:
        out["skip"] = "complete an open task on someone's behalf"
    if active:
        out["edit_data"] = "change the workflow data"
        out["terminate"] = "end the case for good"
    if open_tasks and active:
        out["reassign"] = "give a task to someone else"
    if status in admin.SUSPENDABLE:
        out["suspend"] = "pause timers and tasks"
    if status == "suspended":
        out["resume"] = f"back to {instance.status_before_suspend or 'running'}"
    if status in ("waiting", "user_input", "running") and any(t.state == "waiting" for t in timers):
        out["fire_timer"] = "fire a waiting timer now"
    if any(admin.redeliverable(m) for m in outbox):
        out["redeliver"] = "queue failed messages again"
    if status in ("user_input", "waiting", "error", "running") and instance.state and points:
        out["reset"] = "move the token back to an earlier task"
    return out


def history(session: Session, instance_id: int, case_id: int | None = None, kind: str | None = None,
            actor: str | None = None, text: str | None = None, limit: int = 500) -> list[Event]:
    """The events of the instance and its case, oldest first, optionally narrowed by kind, actor or task."""
    mine = Event.instance_id == instance_id
    stmt = select(Event).where(or_(mine, Event.case_id == case_id) if case_id else mine)
    if kind:
        stmt = stmt.where(Event.kind.like(f"{kind}%"))
    if actor:
        stmt = stmt.where(Event.actor == actor)
    if text:
        stmt = stmt.where(func.lower(Event.task_name).like(f"%{text.lower()}%"))
    return list(session.scalars(stmt.order_by(Event.id).limit(limit)))


def event_kinds(session: Session, instance_id: int) -> list[str]:
    """The distinct event kinds of an instance (for the history filter)."""
    return sorted(session.scalars(select(Event.kind).where(Event.instance_id == instance_id).distinct()))


def instances_page(session: Session, status: str | None, process: str | None, before_id: int | None = None,
                   limit: int = 50) -> tuple[list[Instance], int | None]:
    """Instances newest first, optionally of one status and process, keyset-paged by id (the API's list)."""
    stmt = select(Instance)
    if status:
        if status not in STATUSES:
            raise Invalid(f"unknown status '{status}'", {"status": "one of " + ", ".join(STATUSES)})
        stmt = stmt.where(Instance.status == status)
    if process:
        stmt = stmt.where(Instance.process_key == process)
    return newest_first(session, stmt, Instance.id, before_id, limit)


def instance_by_id(session: Session, instance_id: int) -> Instance | None:
    """The instance with this id, None when there is none."""
    return session.get(Instance, instance_id)


def open_tasks_of(session: Session, instance_id: int) -> list[HumanTask]:
    """The instance's tasks still waiting for a person."""
    return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                         HumanTask.state == "open")))


def process_keys(session: Session) -> list[str]:
    """Keys of every deployed process (for the filter form)."""
    return sorted({k for (k,) in session.execute(select(ProcessDefinition.key).distinct())})
