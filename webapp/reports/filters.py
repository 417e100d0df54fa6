"""What a report covers: the period (a month by default, any range of days) and the case filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement

from webapp.engine.clock import now
from webapp.errors import Invalid
from webapp.models import Case
from webapp.security.limits import EARLIEST_DAY, LATEST_DAY, day_in_range

FILTER_KEYS = ("kind", "category", "grade", "channel", "tier", "department")


@dataclass(frozen=True)
class Period:
    """Days first..last (inclusive) in a time zone; start/end are the UTC bounds [start, end)."""

    first: date
    last: date
    tz: str = "UTC"

    @property
    def start(self) -> datetime:
        """The first moment of the period."""
        return datetime.combine(self.first, time.min, ZoneInfo(self.tz))

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time.min, ZoneInfo(self.tz))

    def previous(self) -> Period:
        """The period of the same shape just before (the previous month for a whole month)."""
        if self.first.day == 1 and (self.last + timedelta(days=1)).day == 1:
            return month_of(self.first - timedelta(days=1), self.tz)
        days = (self.last - self.first).days + 1
        return Period(self.first - timedelta(days=days), self.first - timedelta(days=1), self.tz)

    def args(self) -> dict[str, str]:
        """The query-string form."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


@dataclass(frozen=True)
class Filters:
    """Case filters; empty ones are ignored."""

    kind: str = ""
    category: str = ""
    grade: str = ""
    channel: str = ""
    tier: int | None = None
    department: str = ""

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions on case_record."""
        out: list[ColumnElement[bool]] = []
        for column, value in ((Case.kind, self.kind), (Case.category, self.category), (Case.grade, self.grade),
                              (Case.channel, self.channel)):
            if value:
                out.append(column == value)
        if self.tier is not None:
            out.append(Case.tier == self.tier)
        if self.department:
            out.append(Case.record["responsible_department"].as_string() == self.department)
        return out

    def args(self) -> dict[str, str]:
        """The query-string form (non-empty filters only)."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) not in ("", None)}


def month_of(day: date, tz: str) -> Period:
    """The calendar month containing day."""
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return Period(first, nxt - timedelta(days=1), tz)


def _day(args: Mapping[str, str], key: str, errors: dict[str, str]) -> date | None:
    value = (args.get(key) or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors[key] = _("not a date (YYYY-MM-DD): %(v)s", v=value)
        return None
    if not day_in_range(day):  # a period at year 1 or 9999 made the comparison periods overflow (found by fuzzing)
        errors[key] = _out_of_range(value)
        return None
    return day


def _out_of_range(value: str) -> str:
    return _("the date must lie between %(first)s and %(last)s: %(v)s", first=EARLIEST_DAY.isoformat(),
             last=LATEST_DAY.isoformat(), v=value)


def parse(args: Mapping[str, str], tz: str) -> tuple[Period, Filters]:
    """Period and filters from query arguments; Invalid names every bad field."""
    errors: dict[str, str] = {}
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError):
        raise Invalid("unknown time zone", {"tz": _("not a time zone: %(v)s", v=tz)}) from None
    first, last = _day(args, "from", errors), _day(args, "to", errors)
    month = (args.get("month") or "").strip()
    if month and not (first or last):
        try:
            first = date.fromisoformat(month + "-01")
        except ValueError:
            errors["month"] = _("not a month (YYYY-MM): %(v)s", v=month)
        if first and not day_in_range(first):
            errors["month"], first = _out_of_range(month), None
    if first and last is None:
        last = month_of(first, tz).last if (month or first.day == 1) else first
    default = month_of(now().astimezone(ZoneInfo(tz)).date(), tz)
    first, last = first or (default.first if last is None else last.replace(day=1)), last or default.last
    if first > last:
        errors["to"] = _("the end of the period is before its start")
    elif (last - first).days > 3660:
        errors["to"] = _("the period may span at most ten years")
    tier: int | None = None
    raw_tier = (args.get("tier") or "").strip()
    if raw_tier:
        if raw_tier in ("1", "2", "3"):
            tier = int(raw_tier)
        else:
            errors["tier"] = _("tier is 1, 2 or 3")
    if errors:
        raise Invalid("the report period or filters are wrong", errors)
    texts = {k: (args.get(k) or "").strip()[:200] for k in FILTER_KEYS if k != "tier"}
    return Period(first, last, tz), Filters(tier=tier, **texts)
