"""KPI figures of a period (seeds: real-estate rules 五, car-maker rules 4-5, BYD KPIs; domain §8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from webapp.errors import Invalid
from webapp.models import Case, Event
from webapp.reports import metrics
from webapp.reports.clocks import clock_figures
from webapp.reports.filters import Filters, Period
from webapp.reports.metrics import BREAKDOWNS, NONE, SURVEY_EVENTS
from webapp.security.limits import day_in_range

MONTHS_SHOWN = 6
OUTCOMES = ("reopened", "followed_up", "repeats", "escalated", "crisis")


def rate(part: int, whole: int) -> float | None:
    """part/whole rounded to four places, None when nothing to divide."""
    return round(part / whole, 4) if whole else None


def _count_when(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _periods(period: Period) -> list[Period]:
    """The period and the MONTHS_SHOWN - 1 periods before it, oldest first."""
    out = [period]
    while len(out) < MONTHS_SHOWN:
        out.append(out[-1].previous())
    return out[::-1]


def months(session: Session, period: Period, filters: Filters) -> list[dict[str, Any]]:
    """Month over month: registered, valid, closed and closure rate of the period and the MONTHS_SHOWN - 1 periods
    before it, oldest first; one statement (a UNION ALL of one index range per period)."""
    periods, valid, conds = _periods(period), metrics.valid(), filters.conditions()
    parts = [select(literal(i).label("i"), func.count(), _count_when(valid),
                    _count_when(and_(valid, metrics.closed_by(p)))).select_from(Case).where(
        metrics.registered(p), *conds) for i, p in enumerate(periods)]
    counts = {int(i): (int(n or 0), int(v or 0), int(c or 0)) for i, n, v, c in session.execute(union_all(*parts))}
    out = []
    for i, p in enumerate(periods):
        registered, valid_n, closed = counts.get(i, (0, 0, 0))
        out.append({"from": p.first.isoformat(), "to": p.last.isoformat(), "registered": registered,
                    "valid": valid_n, "closed": closed, "closure_rate": rate(closed, valid_n)})
    return out


def _figures(month: dict[str, Any]) -> dict[str, Any]:
    return {k: month[k] for k in ("registered", "valid", "closed", "closure_rate")}


def volume(session: Session, period: Period, filters: Filters, by_month: list[dict[str, Any]]) -> dict[str, Any]:
    """Registered, valid, closed, closure rate (closed/valid) from the month-over-month figures; open at period
    end; the previous period's figures."""
    open_at_end = session.scalar(select(func.count()).select_from(Case).where(
        metrics.open_at_end(period), *filters.conditions()))
    return {**_figures(by_month[-1]), "open_at_end": int(open_at_end or 0), "previous": _figures(by_month[-2])}


def outcomes(session: Session, period: Period, filters: Filters) -> dict[str, Any]:
    """Of the cases registered in the period: reopened, followed up, repeats (G3-a), escalated, crisis (G1); the
    reopen rate. One pass over the period's cases, an index probe of their events per figure."""
    row = session.execute(select(*(_count_when(metrics.condition(name, period)) for name in OUTCOMES))
                          .select_from(Case).where(metrics.registered(period), *filters.conditions())).one()
    out: dict[str, Any] = dict(zip(OUTCOMES, (int(v or 0) for v in row), strict=True))
    out["reopen_rate"] = rate(out["reopened"], out["followed_up"])
    return out


def breakdowns(session: Session, period: Period, filters: Filters) -> dict[str, list[dict[str, Any]]]:
    """Registered cases by kind, category, grade and channel, largest first (one GROUP BY over the four)."""
    columns = [getattr(Case, name) for name in BREAKDOWNS]
    counts: dict[str, dict[str, int]] = {name: {} for name in BREAKDOWNS}
    for *values, n in session.execute(select(*columns, func.count()).where(
            metrics.registered(period), *filters.conditions()).group_by(*columns)):
        for name, v in zip(BREAKDOWNS, values, strict=True):
            key = NONE if v is None else str(v)
            counts[name][key] = counts[name].get(key, 0) + int(n)
    return {name: [{"value": v, "count": n} for v, n in sorted(found.items(), key=lambda i: (-i[1], i[0]))]
            for name, found in counts.items()}


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
              limit: int = 200, after: tuple[datetime, int] | None = None) -> list[Case]:
    """The cases behind one figure, oldest first; after a (registered, id) key for the next page (keyset)."""
    stmt = select(Case).where(*metrics.where(metric, period, filters)).order_by(Case.created_at, Case.id)
    if after:
        stmt = stmt.where(or_(Case.created_at > after[0], and_(Case.created_at == after[0], Case.id > after[1])))
    return list(session.scalars(stmt.limit(limit)))


def page_key(case: Case) -> str:
    """The keyset cursor after this case: its registration time and id."""
    return f"{case.created_at.isoformat()}_{case.id}"


def parse_key(value: str | None) -> tuple[datetime, int] | None:
    """A cursor from page_key, None when empty; Invalid when it is not one."""
    if not value:
        return None
    moment, _, ident = value.rpartition("_")
    try:
        at, number = datetime.fromisoformat(moment), int(ident)
    except ValueError:
        raise Invalid("not a page cursor", {"after": "use the link to the next page"}) from None
    if at.tzinfo is None or not day_in_range(at.date()) or not 0 < number < 2**62:  # year 9999 overflowed in UTC
        raise Invalid("not a page cursor", {"after": "use the link to the next page"})
    return at, number


def case_rows(cases: list[Case]) -> list[dict[str, Any]]:
    """The fields a report list shows of a case."""
    return [{"number": c.number, "kind": c.kind, "category": c.category, "grade": c.grade, "channel": c.channel,
             "tier": c.tier, "status": c.status, "customer": c.customer_name,
             "registered": c.created_at.isoformat(), "closed": c.closed_at.isoformat() if c.closed_at else None,
             "department": (c.record or {}).get("responsible_department")} for c in cases]


def kpis(session: Session, period: Period, filters: Filters, list_limit: int = 200) -> dict[str, Any]:
    """Every figure of the report for a period and filters; the first `list_limit` cases of each list."""
    by_month = months(session, period, filters)
    return {
        "period": {**period.args(), "timezone": period.tz}, "filters": filters.args(),
        "volume": volume(session, period, filters, by_month), "breakdown": breakdowns(session, period, filters),
        "months": by_month, "deadlines": clock_figures(session, period, filters),
        "satisfaction": satisfaction(session, period, filters), "outcomes": outcomes(session, period, filters),
        "assessments": assessments(session, period, filters),
        "lists": {name: case_rows(case_list(session, name, period, filters, list_limit))
                  for name in ("overdue", "key")},
    }
