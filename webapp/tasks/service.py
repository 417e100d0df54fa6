"""Human-task actions for staff: claim, unclaim, assign and complete, each checked against the user's role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from webapp.accounts.service import with_groups
from webapp.cases.public import own_survey
from webapp.engine.clock import now
from webapp.errors import Conflict, Forbidden, NotFound, lost_race
from webapp.models import Case, HumanTask, Instance, ProcessDefinition, User
from webapp.tasks.models import SHOWN_COLUMNS
from webapp.workflow import transitions as runtime
from webapp.workflow.definitions import form_schema  # noqa: F401  (re-exported: tasks.form_schema)
from webapp.workflow.forms import validated
from webapp.workflow.store import add_event

# the instance's definition without its diagrams and forms (large JSON): specs and forms come from caches
LIGHT_DEFINITION = joinedload(Instance.definition).defer(ProcessDefinition.files).defer(ProcessDefinition.forms)
# one round trip for the task, its instance (with definition), its case and the instance's other open tasks
_SAME_INSTANCE = select(HumanTask.instance_id).where(HumanTask.id == bindparam("task_id")).scalar_subquery()
_WITH_INSTANCE = (
    select(HumanTask, Instance, Case).join(Instance, Instance.id == HumanTask.instance_id)
    .outerjoin(Case, Case.id == HumanTask.case_id)
    .where(HumanTask.instance_id == _SAME_INSTANCE,
           or_(HumanTask.id == bindparam("task_id"), HumanTask.state == "open"))
    .options(LIGHT_DEFINITION)
)


def get_task_to_show(session: Session, task_id: int) -> tuple[HumanTask, Instance | None, Case | None]:
    """A human task by id with its instance and case, read in one round trip (not three), or NotFound. Hold on to
    them while the request runs: the session keeps loaded rows only while something refers to them, and then
    session.get finds them without a query."""
    row = session.execute(_TO_SHOW, {"task_id": task_id}).first()
    if row is None:
        raise NotFound(f"task {task_id} not found")
    return row[0], row[1], row[2]


_TO_SHOW = (select(HumanTask, Instance, Case).outerjoin(Instance, Instance.id == HumanTask.instance_id)
            .outerjoin(Case, Case.id == HumanTask.case_id).where(HumanTask.id == bindparam("task_id")))


def get_task(session: Session, task_id: int) -> HumanTask:
    """A human task by id, or NotFound."""
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return task


def can_work(user: User, task: HumanTask) -> bool:
    """May this user work the task: admin, its assignee, or (unclaimed) a member of its group."""
    if user.has_role("admin"):
        return True
    if task.assignee:
        return task.assignee == user.username
    return user.works_in(task.group_key)


def can_see(user: User, task: HumanTask) -> bool:
    """May this user look at the task (group member, assignee, supervisor of the group, admin)."""
    return can_work(user, task) or user.works_in(task.group_key) or task.group_key in user.supervised_keys


def _open(task: HumanTask) -> None:
    if task.state != "open":
        who = f" by {task.completed_by}" if task.completed_by else ""
        when = f" at {task.completed_at:%Y-%m-%d %H:%M} UTC" if task.completed_at else ""
        raise Conflict(f"this task was already {task.state}{who}{when}")


def claim(session: Session, task_id: int, user: User) -> HumanTask:
    """Take an unclaimed task of one of my groups."""
    task = get_task(session, task_id)
    _open(task)
    if not user.works_in(task.group_key) and not user.has_role("admin"):
        raise Forbidden(f"only members of the group '{task.group_key}' can claim this task")
    if task.assignee == user.username:
        return task  # claiming one's own task again changes nothing (and records nothing)
    if task.assignee:
        raise Conflict(f"already claimed by {task.assignee}")
    _event(session, task, user.username, "task_claimed", {"assignee": user.username})
    try:
        session.flush()  # the event first: on SQLite this takes the process's write lock before the UPDATE
        won = session.execute(_CLAIM, {"b_id": task.id, "b_assignee": user.username}).rowcount  # type: ignore
    except StaleDataError:  # the instance row moved on under us (its version): someone else wrote first
        won = 0
    if won != 1:  # someone else claimed (or completed) it between our read and our write
        session.rollback()
        holder = session.scalar(select(HumanTask.assignee).where(HumanTask.id == task.id))
        raise Conflict(f"already claimed by {holder}" if holder else "this task is no longer open")
    set_committed_value(task, "assignee", user.username)
    session.commit()
    return task


# the claim itself: one conditional UPDATE, so of two simultaneous claims exactly one changes the row
_CLAIM = (update(HumanTask)
          .where(HumanTask.id == bindparam("b_id"), HumanTask.assignee.is_(None), HumanTask.state == "open")
          .values(assignee=bindparam("b_assignee")).execution_options(synchronize_session=False))


def unclaim(session: Session, task_id: int, user: User) -> HumanTask:
    """Give a claimed task back to its group queue (the assignee, a supervisor or an admin)."""
    task = get_task(session, task_id)
    _open(task)
    if task.assignee != user.username and not _supervises(user, task):
        raise Forbidden("only the assignee, a supervisor of the group or an admin can unclaim this task")
    previous = task.assignee
    task.assignee = None
    _event(session, task, user.username, "task_unclaimed", {"previous": previous})
    session.commit()
    return task


def reserved_by(session: Session, username: str) -> list[HumanTask]:
    """Open tasks a person has reserved (claimed), soonest due first."""
    return list(session.scalars(select(HumanTask).where(HumanTask.state == "open", HumanTask.assignee == username)
                                .order_by(HumanTask.due_at, HumanTask.id)))


def release_all(session: Session, username: str, actor: User) -> int:
    """Give every open task `username` reserved back to its group queue (timeline event each); how many."""
    reserved = reserved_by(session, username)
    for task in reserved:
        unclaim(session, task.id, actor)
    return len(reserved)


def assign(session: Session, task_id: int, username: str, user: User) -> HumanTask:
    """A supervisor (or admin) gives the task to a named colleague of its group."""
    task = get_task(session, task_id)
    _open(task)
    if not _supervises(user, task):
        raise Forbidden(f"only a supervisor of '{task.group_key}' or an admin can assign this task")
    target = session.scalars(select(User).where(User.username == username)).first()
    if target is None or not target.is_active:
        raise NotFound(f"no active user '{username}'")
    if not target.works_in(task.group_key) and not target.has_role("admin"):
        raise Conflict(f"{username} is not a member of '{task.group_key}'")
    previous = task.assignee
    task.assignee = username
    _event(session, task, user.username, "task_assigned", {"from": previous, "to": username})
    session.commit()
    return task


def save_draft(session: Session, task_id: int, values: dict[str, Any], user: User) -> tuple[HumanTask, bool]:
    """Keep unsent form values on the task, claiming it first when unclaimed (a draft is personal); commits.

    Returns the task and whether this call claimed it."""
    task = get_task(session, task_id)
    _open(task)
    if not can_work(user, task):
        raise Forbidden(f"this task is claimed by {task.assignee}")
    claimed = task.assignee is None
    if claimed:
        task = claim(session, task.id, user)
    task.draft = values
    session.commit()
    return task, claimed


def complete(session: Session, task_id: int, data: Any, user: User, keep_next: bool = False) -> HumanTask:
    """Validate the data against the task's form and complete it; the next tasks are created.

    With keep_next, the case's next tasks for the same group are assigned to the user who completed this one.
    """
    return complete_with_instance(session, task_id, data, user, keep_next)[0]


def complete_with_instance(session: Session, task_id: int, data: Any, user: User,
                           keep_next: bool = False) -> tuple[HumanTask, Instance]:
    """complete(), also handing back the instance it advanced (in memory: callers need not read it again)."""
    rows = session.execute(_WITH_INSTANCE, {"task_id": task_id}).all()
    found = next((row for row in rows if row[0].id == task_id), None)
    if found is None:
        raise NotFound(f"task {task_id} not found")
    task, instance = found[0], found[1]
    _open(task)
    if not can_work(with_groups(user), task):
        if task.assignee and task.assignee != user.username:
            raise Forbidden(f"this task is claimed by {task.assignee}")
        raise Forbidden(f"only members of the group '{task.group_key}' can complete this task")
    clean = validated(form_schema(instance, task), data)
    try:
        with session.no_autoflush:  # flushes only where the store asks for them: fewer round trips
            runtime.complete_task(session, task, clean, user.username, [row[0] for row in rows])
        if keep_next and instance.status != "error":
            _keep_next(session, task, user, {row[0].id for row in rows})
        session.commit()
    except (StaleDataError, DBAPIError) as exc:  # another completion of this instance committed first
        if not lost_race(exc):
            raise
        session.rollback()
        raise Conflict(_already_message(session, task_id)) from None
    return task, instance


def _keep_next(session: Session, task: HumanTask, user: User, before: set[int]) -> None:
    """Assign the new open tasks of the same group on this case to the user ("keep the next step with me")."""
    session.flush()
    for following in session.scalars(_OPEN_OF_INSTANCE, {"instance_id": task.instance_id}):
        if following.id in before or following.assignee or following.group_key != task.group_key:
            continue
        if not user.works_in(following.group_key):
            continue
        following.assignee = user.username
        _event(session, following, user.username, "task_claimed", {"assignee": user.username, "kept": True})


def _already_message(session: Session, task_id: int) -> str:
    session.expire_all()
    fresh = session.get(HumanTask, task_id)
    if fresh is not None and fresh.state != "open":
        who = f" by {fresh.completed_by}" if fresh.completed_by else ""
        when = f" at {fresh.completed_at:%Y-%m-%d %H:%M} UTC" if fresh.completed_at else ""
        return f"this task was already {fresh.state}{who}{when}"
    return "the case changed while you worked on it; reload and try again"


def _supervises(user: User, task: HumanTask) -> bool:
    return user.has_role("admin") or task.group_key in user.supervised_keys


def _event(session: Session, task: HumanTask, actor: str, kind: str, data: dict[str, Any]) -> None:
    instance = session.get(Instance, task.instance_id)
    case = session.get(Case, task.case_id) if task.case_id else None
    add_event(session, instance, case, actor, kind, data, task.task_id, task.title)
    if instance is not None:
        instance.updated_at = now()


def next_tasks(session: Session, task: HumanTask) -> list[HumanTask]:
    """Open tasks of the same instance (what came next after completing a task)."""
    return list(session.scalars(_OPEN_OF_INSTANCE, {"instance_id": task.instance_id}))


def next_task_rows(session: Session, instance_id: int) -> Sequence[Row[Any]]:
    """The instance's open tasks by id, as plain rows of the columns a task's JSON shows (SHOWN_COLUMNS); run on the
    session's connection, as Core (through the session the ORM would compile and process even a Core select), so
    without an autoflush: for answers after the commit."""
    return session.connection().execute(_OPEN_ROWS_OF_INSTANCE, {"instance_id": instance_id}).all()


_OPEN_ROWS_OF_INSTANCE = (select(*(HumanTask.__table__.c[name] for name in SHOWN_COLUMNS))
                          .where(HumanTask.instance_id == bindparam("instance_id"), HumanTask.state == "open")
                          .order_by(HumanTask.id))
_OPEN_OF_INSTANCE = (select(HumanTask).where(HumanTask.instance_id == bindparam("instance_id"),
                                             HumanTask.state == "open").order_by(HumanTask.id))


def form_values(session: Session, instance: Instance, task: HumanTask) -> dict[str, Any]:
    """The form's starting values: the case data, the customer's own web rating of this round, the case's clocks
    (`deadlines.T5-first-response.due`: the time the customer was promised), my draft."""
    case = session.get(Case, task.case_id) if task.case_id else None
    survey = own_survey(case) if case is not None else None
    extra = {"deadlines": (case.record or {}).get("deadlines") or {}} if case is not None else {}
    return runtime.task_form_data(instance, task, {**extra, **({"customer_survey": survey} if survey else {})})
