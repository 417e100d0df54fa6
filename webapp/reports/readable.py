"""The report's tables as a manager reads them in a workbook: headers and codes in words, local times, percents."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from webapp.engine.clock import in_zone
from webapp.reports.export import Cell, Table
from webapp.reports.labels import clock_label, figure_labels
from webapp.web.i18n import choice_name, select_timezone
from webapp.web.labels import label

COLUMNS: dict[str, Any] = {
    "figure": _l("Figure"), "value": _l("Value"), "previous": _l("Previous period"), "from": _l("From"),
    "to": _l("To"), "count": _l("Cases"), "name": _l("Deadline"), "open": _l("Open"), "cancelled": _l("Cancelled"),
    "on_time_rate": _l("On-time rate (%)"), "closure_rate": _l("Closure rate (%)"),
    "median_seconds": _l("Median time to meet (h)"), "p90_seconds": _l("90th percentile (h)"),
    "business_time": _l("Business time"), "target_type": _l("Kind of target"), "number": _l("Case"),
    "status": _l("Status"), "customer": _l("Customer"), "department": _l("Responsible department"),
    "tier": _l("Tier"), "registered": _l("Registered"), "closed": _l("Closed"), "deadlines": _l("Deadlines"),
}
CODES = {"kind": "kind", "channel": "channel", "status": "status", "target_type": "unit_kind"}
PERCENT = {"on_time_rate", "closure_rate"}
HOURS = {"median_seconds", "p90_seconds"}
TIMES = {"registered", "closed"}
FIGURE_COLUMNS = {"closed"}  # in the months table: closed valid complaints, not a closing time


def readable(table: Table) -> Table:
    """A copy of the table with translated headers and each cell in words (numbers stay numbers)."""
    zone = ZoneInfo(select_timezone())
    names = {key: str(value) for key, value in figure_labels().items()}
    figures = FIGURE_COLUMNS if table.key == "months" else set()  # a month's counts are the figures' own
    headers = [str((names.get(h) if h in figures else None) or COLUMNS.get(h) or names.get(h) or h.replace("_", " "))
               for h in table.headers]
    rows = [[_cell(key, value, row, names, zone, table.key) for key, value in zip(table.headers, row, strict=False)]
            for row in table.rows]
    return Table(table.key, headers, rows)


def _cell(key: str, value: Cell, row: list[Cell], names: dict[str, str], zone: ZoneInfo, table: str) -> Cell:
    """One cell in words."""
    if value is None:
        return None
    if key == "figure":
        return _figure(str(value), names)
    if key in ("value", "previous") and str(row[0]).endswith("_rate") and isinstance(value, (int, float)):
        return round(value * 100, 1)
    if key in PERCENT and isinstance(value, (int, float)):
        return round(value * 100, 1)
    if key in HOURS and isinstance(value, (int, float)):
        return round(value / 3600, 2)
    if key == "business_time":
        return gettext("yes") if value else gettext("no")
    if key == "name" and table == "deadlines":
        return clock_label(str(value))
    if value == "-" and key in ("grade", "category", "kind", "channel"):
        return gettext("not graded") if key == "grade" else gettext("none")
    if key in CODES:
        return label(CODES[key], value)
    if key == "category":
        return choice_name("category", str(value))
    if key in TIMES and table != "months":
        return _local(str(value), zone)
    if key == "deadlines":
        return "; ".join(_clock(part, zone) for part in str(value).split("; ") if part)
    return value


def _figure(key: str, names: dict[str, str]) -> str:
    """A figure key by its label ('score_5' as 'Score 5')."""
    if key.startswith("score_"):
        return gettext("Score %(n)s", n=key[6:])
    return names.get(key) or key.replace("_", " ")


def _local(iso: str, zone: ZoneInfo) -> str:
    """An ISO timestamp as 'YYYY-MM-DD HH:MM' in the reader's zone."""
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    local = in_zone(at, zone) if at.tzinfo else None  # None at the ends of the calendar: as stored
    return local.strftime("%Y-%m-%d %H:%M") if local else iso


def _clock(part: str, zone: ZoneInfo) -> str:
    """'K2:missed@2026-...' as 'K2 resolution: missed, 2026-12-04 10:00'."""
    head, _, when = part.partition("@")
    name, _, state = head.rpartition(":")
    return f"{clock_label(name)}: {label('deadline', state)}, {_local(when, zone) if when else ''}".rstrip(", ")
