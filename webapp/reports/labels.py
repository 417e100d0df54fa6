"""Translated names of the report's figures and clocks (English and Simplified Chinese via Flask-Babel)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l


def figure_labels() -> dict[str, Any]:
    """Figure key -> translated label."""
    return {
        "registered": _l("Registered"), "valid": _l("Valid complaints"), "closed": _l("Closed complaints"),
        "closure_rate": _l("Closure rate"), "open_at_end": _l("Open at period end"),
        "reopened": _l("Reopened"), "followed_up": _l("Followed up"), "reopen_rate": _l("Reopen rate"),
        "repeats": _l("Repeat complaints (G3-a)"), "escalated": _l("Escalated"), "crisis": _l("Crisis cases"),
        "surveys": _l("Follow-up surveys"), "survey_average": _l("Average follow-up score"),
        "satisfied": _l("Satisfied (4-5)"), "satisfied_rate": _l("Satisfaction rate"),
        "dissatisfied": _l("Dissatisfied (1-3)"), "customer_ratings": _l("Customer ratings"),
        "customer_average": _l("Average customer rating"), "started": _l("Started"), "met": _l("Met"),
        "missed": _l("Missed"), "on_time_rate": _l("On-time rate"), "previous": _l("Previous period"),
        "overdue": _l("Overdue and not closed"), "key": _l("Key and KPI-missed complaints"),
        "assessments": _l("Assessment proposals"), "target": _l("Department or service point"),
        "kind": _l("Kind"), "category": _l("Category"), "grade": _l("Grade"), "channel": _l("Channel"),
    }


CLOCKS = {
    "T1-notice": _l("T1 coordination notice"), "T1-reply": _l("T1 department reply"),
    "T1-callback": _l("T1 callback"), "T3-notice": _l("T3 rescue notice"),
    "T3-ack": _l("T3 rescue acknowledgement"), "T4-notice": _l("T4 new-failure notice"),
    "T4-appointment": _l("T4 appointment"), "T5-first-response": _l("T5 first response"),
    "K1": _l("K1 resolution"), "K2": _l("K2 resolution"), "G2-d": _l("G2-d one month open"),
    "promised-reply": _l("Reply promised to the customer"), "G1-crisis-meeting": _l("G1 crisis meeting convened"),
}


def clock_label(name: str) -> str:
    """The translated name of a clock (its key when unknown)."""
    return str(CLOCKS.get(name, name))


def duration(seconds: float | None) -> str:
    """Seconds as '1 h 05 min' / '3 min' / '2 d 4 h' (empty for None)."""
    if seconds is None:
        return ""
    minutes = int(round(seconds / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return gettext("%(hours)s h %(mins)s min", hours=hours, mins=f"{mins:02d}")
    return gettext("%(mins)s min", mins=mins)


def metric_label(metric: str) -> str:
    """The translated name of a drill-down figure key (e.g. 'clock:T4-appointment:missed')."""
    names = figure_labels()
    head, _, rest = metric.partition(":")
    if head == "clock":
        name, _, state = rest.rpartition(":")
        return f"{clock_label(name)} · {names.get(state, state)}"
    if head == "assessment" and rest:
        return f"{names['assessments']}: {rest}"
    if head in ("kind", "category", "grade", "channel") and rest:
        return f"{names[head]}: {rest}"
    extra = {"surveyed": names["surveys"], "kpi_missed": _l("KPI clock missed"), "all": _l("All cases")}
    return str(names.get(metric) or extra.get(metric) or metric)
