"""KPI figures of a period (seeds: real-estate rules 五, car-maker rules 4-5, BYD KPIs; domain §8)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from webapp.models import Case, Event
from webapp.reports import metrics
from webapp.reports.clocks import clock_figures
from webapp.reports.filters import Filters, Period
from webapp.reports.metrics import BREAKDOWNS, NONE, SURVEY_EVENTS

MONTHS_SHOWN = 6
OUTCOMES = ("reopened", "followed_up", "repeats", "escalated", "crisis")


def rate(part: int, whole: int) -> float | None:
    """part/whole rounded to four places, None when nothing to divide."""
    return round(part / whole, 4) if whole else None


def _count_when(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def volume(session: Session, period: Period, filters: Filters, outcomes: bool = True) -> dict[str, Any]:
    """Registered, valid, closed, closure rate (closed/valid), open at period end; outcomes when asked."""
    valid, closed = metrics.valid(), metrics.closed_by(period)
    columns = [func.count(), _count_when(valid), _count_when(and_(valid, closed))]
    if outcomes:
        columns += [_count_when(metrics.condition(name, period)) for name in OUTCOMES]
    row = session.execute(select(*columns).select_from(Case).where(
        metrics.registered(period), *filters.conditions())).one()
    counts = [int(v or 0) for v in row]
    out: dict[str, Any] = {"registered": counts[0], "valid": counts[1], "closed": counts[2],
                           "closure_rate": rate(counts[2], counts[1])}
    if outcomes:
        out.update(zip(OUTCOMES, counts[3:], strict=True))
        out["open_at_end"] = int(session.scalar(select(func.count()).select_from(Case).where(
            metrics.open_at_end(period), *filters.conditions())) or 0)
    return out


def breakdowns(session: Session, period: Period, filters: Filters) -> dict[str, list[dict[str, Any]]]:
    """Registered cases by kind, category, grade and channel, largest first."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in BREAKDOWNS:
        column = getattr(Case, name)
        rows = session.execute(select(column, func.count()).where(metrics.registered(period),
                                                                   *filters.conditions()).group_by(column))
        items = [{"value": NONE if v is None else str(v), "count": int(n)} for v, n in rows]
        out[name] = sorted(items, key=lambda i: (-i["count"], i["value"]))
    return out


def months(session: Session, period: Period, filters: Filters) -> list[dict[str, Any]]:
    """Month over month: the period and the MONTHS_SHOWN - 1 periods before it, oldest first."""
    out, current = [], period
    for _ in range(MONTHS_SHOWN):
        figures = volume(session, current, filters, outcomes=False)
        out.append({"from": current.first.isoformat(), "to": current.last.isoformat(), **figures})
        current = current.previous()
    return out[::-1]


def satisfaction(session: Session, period: Period, filters: Filters) -> dict[str, Any]:
    """Follow-up surveys (staff-recorded) and the customers' own ratings recorded in the period."""
    score = Event.data["score"].as_integer()
    conds = filters.conditions()
    stmt = select(Event.kind, score, func.count()).where(
        Event.kind.in_(SURVEY_EVENTS), Event.at >= period.start, Event.at < period.end,
        Event.case_id.in_(select(Case.id).where(*conds)) if conds else Event.case_id.is_not(None))
    scores: dict[str, list[int]] = {k: [] for k in SURVEY_EVENTS}
    for kind, value, n in session.execute(stmt.group_by(Event.kind, score)):
        if value is not None and 1 <= int(value) <= 5:
            scores[kind].extend([int(value)] * int(n))
    follow_up, own = scores["survey"], scores["customer_survey"]
    satisfied = sum(1 for s in follow_up if s >= 4)
    return {"surveys": len(follow_up), "survey_average": _mean(follow_up), "satisfied": satisfied,
            "satisfied_rate": rate(satisfied, len(follow_up)), "dissatisfied": len(follow_up) - satisfied,
            "distribution": {str(s): follow_up.count(s) for s in range(1, 6)},
            "customer_ratings": len(own), "customer_average": _mean(own)}


def assessments(session: Session, period: Period, filters: Filters) -> list[dict[str, Any]]:
    """Assessments proposed in the period per department or service point, from the assessment register
    (car-maker rules 4.3-4.4), with how many finance carried out."""
    from webapp.assessments.service import count_by_target

    conds = filters.conditions()
    case_ids = select(Case.id).where(*conds) if conds else None
    return count_by_target(session, period.start, period.end, case_ids)


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def case_list(session: Session, metric: str, period: Period, filters: Filters,
              limit: int = 200) -> list[Case]:
    """The cases behind one figure, oldest first."""
    stmt = select(Case).where(*metrics.where(metric, period, filters)).order_by(Case.created_at, Case.id)
    return list(session.scalars(stmt.limit(limit)))


def case_rows(cases: list[Case]) -> list[dict[str, Any]]:
    """The fields a report list shows of a case."""
    return [{"number": c.number, "kind": c.kind, "category": c.category, "grade": c.grade, "channel": c.channel,
             "tier": c.tier, "status": c.status, "customer": c.customer_name,
             "registered": c.created_at.isoformat(), "closed": c.closed_at.isoformat() if c.closed_at else None,
             "department": (c.record or {}).get("responsible_department")} for c in cases]


def kpis(session: Session, period: Period, filters: Filters) -> dict[str, Any]:
    """Every figure of the report for a period and filters."""
    vol = volume(session, period, filters)
    previous = volume(session, period.previous(), filters, outcomes=False)
    outcomes = {k: vol.pop(k) for k in OUTCOMES}
    survey = satisfaction(session, period, filters)
    outcomes["reopen_rate"] = rate(outcomes["reopened"], outcomes["followed_up"])
    return {
        "period": {**period.args(), "timezone": period.tz}, "filters": filters.args(),
        "volume": {**vol, "previous": previous}, "breakdown": breakdowns(session, period, filters),
        "months": months(session, period, filters), "deadlines": clock_figures(session, period, filters),
        "satisfaction": survey, "outcomes": outcomes, "assessments": assessments(session, period, filters),
        "lists": {name: case_rows(case_list(session, name, period, filters)) for name in ("overdue", "key")},
    }
