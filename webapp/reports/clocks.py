"""Deadline figures: every clock (T1-T5, the reply promised to the customer, K1, K2, the rescue acknowledgement
T3-ack, G2-d, the Level-1 crisis meeting) started in a period."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from webapp.deadlines import business_calendar as calendar
from webapp.deadlines.models import Deadline
from webapp.models import Case
from webapp.reports import metrics
from webapp.reports.filters import Filters, Period

# The order of the report: inquiry T1, rescue T3, new failure T4, first response T5 and the promised reply,
# resolution K1/K2, G2-d, crisis meeting.
ORDER = ("T1-notice", "T1-reply", "T1-callback", "T3-notice", "T3-ack", "T4-notice", "T4-appointment",
         "T5-first-response", "promised-reply", "K1", "K2", metrics.G2D, "G1-crisis-meeting")

# coalesce: the start-time index must serve this query; SQLite without statistics would pick the state index
MET = func.coalesce(Deadline.state, "") == "met"


def _percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least `fraction` of values at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return round(ordered[int(rank) - 1], 1)


def time_to_meet(cal: calendar.BusinessCalendar, started: datetime, stopped: datetime, business: bool,
                 paused_seconds: float) -> float:
    """Seconds from start to stop on the clock's own time (working time if business), minus paused time."""
    return max(0.0, calendar.elapsed(cal, started, stopped, business) - paused_seconds)


def _empty(name: str) -> dict[str, Any]:
    return {"name": name, "started": 0, "met": 0, "missed": 0, "open": 0, "cancelled": 0, "business_time": False,
            "on_time_rate": None, "median_seconds": None, "p90_seconds": None}


def _finish(row: dict[str, Any], summary: dict[str, float | None] | None) -> dict[str, Any]:
    decided = row["met"] + row["missed"]
    row["on_time_rate"] = round(row["met"] / decided, 4) if decided else None
    row.update(summary or {"median_seconds": None, "p90_seconds": None})
    return row


def clock_figures(session: Session, period: Period, filters: Filters) -> list[dict[str, Any]]:
    """Per clock: started, met, missed, still open, cancelled, on-time rate, median and p90 time to meet."""
    in_period = _in_period(period, filters)
    rows: dict[str, dict[str, Any]] = {}
    counts = session.execute(select(Deadline.name, Deadline.state, Deadline.business_time, func.count())
                             .where(in_period).group_by(Deadline.name, Deadline.state, Deadline.business_time))
    for name, state, business, n in counts:
        row = rows.setdefault(name, _empty(name))
        row["started"] += n
        row["business_time"] = row["business_time"] or bool(business)
        key = {"met": "met", "missed": "missed", "cancelled": "cancelled"}.get(state, "open")
        row[key] += n
    durations = _met_durations(session, in_period)
    rows[metrics.G2D] = _g2d(session, period, filters)
    durations[metrics.G2D] = _summary(g2d_durations(session, period, filters))
    out = [_finish(rows.get(name) or _empty(name), durations.get(name)) for name in ORDER]
    extra = sorted(set(rows) - set(ORDER))
    return out + [_finish(rows[name], durations.get(name)) for name in extra]


def _in_period(period: Period, filters: Filters) -> ColumnElement[bool]:
    """Clocks started in the period, on cases that pass the filters (no join when there is no filter)."""
    started = and_(Deadline.started_at >= period.start, Deadline.started_at < period.end,
                   Deadline.case_id.is_not(None))
    conds = filters.conditions()
    if not conds:
        return started
    return and_(started, Deadline.case_id.in_(select(Case.id).where(*conds)))


def _met_durations(session: Session, in_period: ColumnElement[bool]) -> dict[str, dict[str, float | None]]:
    """Median and p90 time to meet per clock. Met clocks keep their used seconds (clock time, paused stretches
    left out): the database ranks them and returns only the middle and the p90 values. A clock that has met
    clocks stopped before used_seconds was kept (used_seconds <= 0) is measured in Python from start and stop."""
    legacy = {name for name, in session.execute(select(Deadline.name).where(in_period, MET, Deadline.used_seconds <= 0)
                                                  .group_by(Deadline.name))}
    out = {name: _summary(_legacy_durations(session, in_period, name)) for name in legacy}
    ranked = select(Deadline.name, Deadline.used_seconds, func.row_number().over(
        partition_by=Deadline.name, order_by=Deadline.used_seconds).label("rank"), func.count().over(
        partition_by=Deadline.name).label("n")).where(in_period, MET, Deadline.used_seconds > 0).subquery()
    n = ranked.c.n
    picks: dict[str, dict[int, float]] = {}
    counts: dict[str, int] = {}
    for name, used, rank, total in session.execute(select(ranked).where(
            ranked.c.rank.in_(((n + 1) // 2, n // 2 + 1, (9 * n + 9) // 10)))):
        if name not in legacy:
            picks.setdefault(name, {})[int(rank)] = float(used)
            counts[name] = int(total)
    for name, values in picks.items():
        total = counts[name]
        middle = (values[(total + 1) // 2] + values[total // 2 + 1]) / 2
        out[name] = {"median_seconds": round(middle, 1), "p90_seconds": round(values[max(1, (9 * total + 9) // 10)], 1)}
    return out


def _summary(durations: list[float]) -> dict[str, float | None]:
    return {"median_seconds": round(statistics.median(durations), 1) if durations else None,
            "p90_seconds": _percentile(durations, 0.9)}


def _legacy_durations(session: Session, in_period: ColumnElement[bool], name: str) -> list[float]:
    """Time to meet of every met clock of this name: used seconds, or (kept before them) from start and stop."""
    out = [float(v) for v in session.scalars(select(Deadline.used_seconds).where(
        in_period, MET, Deadline.name == name, Deadline.used_seconds > 0))]
    cal = calendar.current()
    for started, stopped, business, paused in session.execute(select(
            Deadline.started_at, Deadline.stopped_at, Deadline.business_time, Deadline.paused_total).where(
            in_period, MET, Deadline.name == name, Deadline.used_seconds <= 0)):
        if stopped is not None:
            out.append(time_to_meet(cal, started, stopped, bool(business), paused or 0.0))
    return out


def _count_when(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _g2d(session: Session, period: Period, filters: Filters) -> dict[str, Any]:
    """G2-d from cases: started = valid grievances registered; missed = open a month; met = closed before."""
    row = _empty(metrics.G2D)
    counts = [_count_when(metrics.g2d(period, state)) for state in ("met", "missed")]
    found = session.execute(select(func.count(), *counts).select_from(Case).where(
        metrics.g2d(period, "started"), *filters.conditions())).one()
    row["started"], row["met"], row["missed"] = (int(v or 0) for v in found)
    row["open"] = row["started"] - row["met"] - row["missed"]
    return row


def g2d_durations(session: Session, period: Period, filters: Filters) -> list[float]:
    """Wall-clock seconds from registration to closure of the G2-d cases that were met."""
    found = session.execute(select(Case.created_at, Case.closed_at).where(metrics.g2d(period, "met"),
                                                                         *filters.conditions()))
    return [(closed - created).total_seconds() for created, closed in found if closed]
