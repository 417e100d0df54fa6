"""Which cases a figure counts: one SQL condition per figure, shared by the counts and their drill-down lists.

Figures read only the side tables (case_record, deadline, event); never the workflow state. A case belongs to
a period by its registration time; a clock by the time it started; a survey by the time it was recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select, true

from webapp.deadlines.models import Deadline
from webapp.engine.clock import now
from webapp.errors import Invalid
from webapp.models import Case, Event
from webapp.reports.filters import Filters, Period

NOT_VALID = ("closed_malicious", "terminated")
COMPLAINT_KINDS = ("grievance", "external")  # 投诉: the kinds the complaint process handles (domain §1)
CLOSED = ("closed", "closed_malicious")
BREAKDOWNS = ("kind", "category", "grade", "channel")
CLOCK_STATES = ("started", "met", "missed")
NONE = "-"  # the drill-down value of an empty column
G2D = "G2-d"  # a one-month timer of the grievance flow, not a clock row: counted from cases and events
KPI_CLOCKS = ("K1", "K2")
SURVEY_EVENTS = ("survey", "customer_survey")


def registered(period: Period) -> ColumnElement[bool]:
    """Registered in the period."""
    return and_(Case.created_at >= period.start, Case.created_at < period.end)


def valid() -> ColumnElement[bool]:
    """A valid complaint (有效投诉, real-estate rules 第二条/第五条): a complaint (grievance or external complaint;
    not an inquiry, rescue or new failure mode), not closed as malicious, not withdrawn (the instance terminated)."""
    return and_(Case.kind.in_(COMPLAINT_KINDS), Case.status.not_in(NOT_VALID))


def closed_by(period: Period) -> ColumnElement[bool]:
    """Closed before the period ended."""
    return and_(Case.closed_at.is_not(None), Case.closed_at < period.end, Case.status.in_(CLOSED))


def open_at_end(period: Period) -> ColumnElement[bool]:
    """Registered before the period ended and not closed (nor terminated) by then."""
    return and_(Case.created_at < period.end, Case.status != "terminated",
                or_(Case.closed_at.is_(None), Case.closed_at >= period.end))


def has_event(kind: str, *extra: ColumnElement[bool]) -> ColumnElement[bool]:
    """The case's timeline has an event of this kind."""
    return exists(select(Event.id).where(Event.case_id == Case.id, Event.kind == kind, *extra))


def repeat_rule() -> ColumnElement[bool]:
    """A grading event's rule is G3-a (the same problem complained about again after it was handled)."""
    return Event.data["rule"].as_string().like("G3-a%")


def repeat() -> ColumnElement[bool]:
    """Graded by rule G3-a."""
    return has_event("graded", repeat_rule())


def state_is(state: str) -> ColumnElement[bool]:
    """A clock's state, written so that a clock query of a period keeps to the start-time index (SQLite without
    statistics would pick the state index and read every clock ever missed)."""
    return func.coalesce(Deadline.state, "") == state


def has_clock(name: str, period: Period, state: str = "started") -> ColumnElement[bool]:
    """A clock of this name started in the period (and ended in state met/missed unless 'started')."""
    if name == G2D:
        return g2d(period, state)
    cond = [Deadline.case_id == Case.id, Deadline.name == name, Deadline.started_at >= period.start,
            Deadline.started_at < period.end]
    if state != "started":
        cond.append(Deadline.state == state)
    return exists(select(Deadline.id).where(*cond))


def g2d(period: Period, state: str) -> ColumnElement[bool]:
    """G2-d: every valid grievance registered in the period is on it; missed when the month passed open."""
    started = and_(registered(period), valid())  # valid() keeps to the complaint kinds
    missed = Case.id.in_(select(Event.case_id).where(  # the few escalations, read once (not a probe per case)
        Event.kind == "deadline_escalated", Event.data["clock"].as_string() == G2D, Event.case_id.is_not(None)))
    if state == "missed":
        return and_(started, missed)
    if state == "met":
        return and_(started, Case.closed_at.is_not(None), not_(missed))
    return started


def overdue() -> ColumnElement[bool]:
    """Not closed, and a clock missed and still running, or running past due now (car-maker rules 5.4)."""
    late = select(Deadline.case_id).where(Deadline.case_id.is_not(None), or_(
        and_(Deadline.state == "missed", Deadline.stopped_at.is_(None)),
        and_(Deadline.state == "running", Deadline.due_at < now())))  # the few late clocks, by their state index
    return and_(Case.closed_at.is_(None), Case.status.not_in(("terminated", *CLOSED)), Case.id.in_(late))


def kpi_missed(period: Period) -> ColumnElement[bool]:
    """A K1/K2 clock started in the period was missed."""
    return or_(*(has_clock(name, period, "missed") for name in KPI_CLOCKS))


def key(period: Period) -> ColumnElement[bool]:
    """Key complaints managed case by case: graded G1/G2, or a KPI clock (K1/K2) missed."""
    graded = select(Case.id).where(registered(period), Case.grade.in_(("G1", "G2")))
    missed = select(Deadline.case_id).where(Deadline.name.in_(KPI_CLOCKS), state_is("missed"),
                                            Deadline.started_at >= period.start, Deadline.started_at < period.end)
    return Case.id.in_(graded.union(missed))


def surveyed(period: Period) -> ColumnElement[bool]:
    """A follow-up survey or a customer rating was recorded in the period."""
    return exists(select(Event.id).where(Event.case_id == Case.id, Event.kind.in_(SURVEY_EVENTS),
                                         Event.at >= period.start, Event.at < period.end))


def _breakdown(column: str, value: str) -> ColumnElement[bool]:
    col = getattr(Case, column)
    return col.is_(None) if value == NONE else (col == (int(value) if column == "tier" else value))


def condition(metric: str, period: Period) -> ColumnElement[bool]:
    """The condition of one figure, by its drill-down key; Invalid for an unknown key."""
    reg = registered(period)
    simple: dict[str, Callable[[], ColumnElement[bool]]] = {  # built on demand: a figure asks for one of them
        "registered": lambda: reg, "valid": lambda: and_(reg, valid()),
        "closed": lambda: and_(reg, valid(), closed_by(period)), "open_at_end": lambda: open_at_end(period),
        "reopened": lambda: and_(reg, has_event("case_reopened")),
        "followed_up": lambda: and_(reg, has_event("survey")), "repeats": lambda: and_(reg, repeat()),
        "escalated": lambda: and_(reg, has_event("escalated")), "crisis": lambda: and_(reg, Case.grade == "G1"),
        "overdue": lambda: and_(Case.created_at < period.end, overdue()),
        "key": lambda: key(period), "kpi_missed": lambda: kpi_missed(period), "surveyed": lambda: surveyed(period),
        "all": true,
    }
    if metric in simple:
        return simple[metric]()
    head, _, rest = metric.partition(":")
    if head in BREAKDOWNS and rest:
        return and_(reg, _breakdown(head, rest))
    if head == "assessment" and rest:
        return has_event("assessment_proposed", Event.data["target"].as_string() == rest,
                         Event.at >= period.start, Event.at < period.end)
    if head == "clock" and rest:
        name, _, state = rest.rpartition(":")
        if name and state in CLOCK_STATES:
            return has_clock(name, period, state)
    raise Invalid("unknown figure", {"metric": f"no figure {metric!r}"})


def where(metric: str, period: Period, filters: Filters) -> list[ColumnElement[bool]]:
    """Every condition of a drill-down: the figure's and the filters'."""
    return [condition(metric, period), *filters.conditions()] or [false()]
