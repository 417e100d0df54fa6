"""Business calendar: working hours, weekends, holidays and make-up working days, in the configured time zone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from webapp.engine.clock import now
from webapp.engine.durations import add_iso_duration
from webapp.engine.sandbox import extend_data_helpers, extend_globals

_ISO = re.compile(r"P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
                  r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?")
_MAX_DAYS = 3700  # about ten years of calendar walking; anything longer is a configuration error


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time: `start`-`end` on `workdays` (0=Monday), minus `holidays`, plus `extra_workdays`."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    start: time = time(9, 0)
    end: time = time(18, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    @property
    def day_seconds(self) -> float:
        """Length of one working day in seconds."""
        return (datetime.combine(date(2000, 1, 3), self.end) - datetime.combine(date(2000, 1, 3), self.start)
                ).total_seconds()

    def is_working_day(self, day: date) -> bool:
        """True if `day` has working hours."""
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.workdays and day not in self.holidays

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        return (datetime.combine(day, self.start, self.tz).astimezone(UTC),
                datetime.combine(day, self.end, self.tz).astimezone(UTC))

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of working time after `start` (UTC)."""
        remaining = max(0.0, seconds)
        day = start.astimezone(self.tz).date()
        cursor = start.astimezone(UTC)
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self._bounds(day)
                cursor = max(cursor, opens)
                if cursor < closes:
                    available = (closes - cursor).total_seconds()
                    if remaining <= available:
                        return cursor + timedelta(seconds=remaining)
                    remaining -= available
            day += timedelta(days=1)
            cursor = max(cursor, self._bounds(day)[0])
        raise ValueError("the business calendar has no working time in the next ten years")

    def working_seconds(self, a: datetime, b: datetime) -> float:
        """Working time between two moments (0 if b is not after a)."""
        if b <= a:
            return 0.0
        total, day, last = 0.0, a.astimezone(self.tz).date(), b.astimezone(self.tz).date()
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._bounds(day)
                lo, hi = max(opens, a), min(closes, b)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def end_of_day(self, at: datetime) -> datetime:
        """Closing time of the working day `at` falls in, or of the next working day if it is after hours."""
        day = at.astimezone(self.tz).date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                closes = self._bounds(day)[1]
                if at < closes:
                    return closes
            day += timedelta(days=1)
        raise ValueError("the business calendar has no working time in the next ten years")


def budget_seconds(cal: BusinessCalendar, start: datetime, duration: str, business_time: bool) -> float:
    """How much clock time (working time if business_time) an ISO duration or 'EOD' allows from start."""
    text = duration.strip().upper()
    if text in ("EOD", "END_OF_DAY"):
        return cal.working_seconds(start, cal.end_of_day(start)) if business_time else \
            (cal.end_of_day(start) - start).total_seconds()
    if not business_time:
        return (add_iso_duration(start, text) - start).total_seconds()
    return _business_seconds(cal, text)


def _business_seconds(cal: BusinessCalendar, text: str) -> float:
    """Working seconds of a duration: a day is one working day, a week five; months are refused."""
    m = _ISO.fullmatch(text)
    if m is None or text in ("P", "PT"):
        raise ValueError(f"'{text}' is not an ISO-8601 duration usable in business time (no years or months)")
    weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    return (weeks * 5 + days) * cal.day_seconds + hours * 3600 + minutes * 60 + seconds


def due_from(cal: BusinessCalendar, start: datetime, seconds: float, business_time: bool) -> datetime:
    """The moment `seconds` of (working, if business_time) time after start."""
    return cal.add(start, seconds) if business_time else start + timedelta(seconds=seconds)


def elapsed(cal: BusinessCalendar, a: datetime, b: datetime, business_time: bool) -> float:
    """Clock time (working time if business_time) between a and b."""
    return cal.working_seconds(a, b) if business_time else max(0.0, (b - a).total_seconds())


_current = BusinessCalendar()


def current() -> BusinessCalendar:
    """The configured calendar."""
    return _current


def configure(cal: BusinessCalendar) -> None:
    """Install a calendar (app start, tests)."""
    global _current
    _current = cal
    _register_sandbox_helpers()


def from_mapping(config: Mapping[str, Any]) -> BusinessCalendar:
    """A calendar from app config: DEFAULT_TIMEZONE, BUSINESS_HOURS '09:00-18:00', BUSINESS_DAYS '0-4', HOLIDAYS."""
    hours = str(config.get("BUSINESS_HOURS") or "09:00-18:00")
    opens, closes = (time.fromisoformat(p.strip()) for p in hours.split("-", 1))
    days_text = str(config.get("BUSINESS_DAYS") or "0-4")
    if "-" in days_text:
        lo, hi = (int(p) for p in days_text.split("-", 1))
        workdays = frozenset(range(lo, hi + 1))
    else:
        workdays = frozenset(int(p) for p in days_text.split(",") if p.strip())
    return BusinessCalendar(
        tz=ZoneInfo(str(config.get("DEFAULT_TIMEZONE") or "Asia/Shanghai")), start=opens, end=closes,
        workdays=workdays, holidays=_dates(config.get("HOLIDAYS")),
        extra_workdays=_dates(config.get("EXTRA_WORKDAYS")),
    )


def _dates(value: Any) -> frozenset[date]:
    if not value:
        return frozenset()
    items: Iterable[Any]
    if isinstance(value, str):
        items = json.loads(value) if value.strip().startswith("[") else value.split(",")
    else:
        items = value
    return frozenset(d if isinstance(d, date) else date.fromisoformat(str(d).strip()) for d in items if str(d).strip())


def _register_sandbox_helpers() -> None:

    extend_globals(sla_due=sla_due)
    extend_data_helpers(clock_due=clock_due, clock_duration=clock_duration, registered_at=registered_at)


def _started_clock(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    clock = (data.get("clocks") or {}).get(name)
    if not isinstance(clock, Mapping):
        raise ValueError(f"clock '{name}' has not been started in this case; start it (clock_start) before "
                         "the element that reads it")
    return clock


def clock_due(data: Mapping[str, Any], name: str) -> str:
    """Diagram helper `clock_due('T1-callback')`: the ISO due time of a clock this case started (a timer's
    timeDate), computed as the clock store does: its start plus its duration, in business time if it counts so."""
    clock = _started_clock(data, name)
    if clock.get("until"):  # started with a due time: that moment, not start plus rounded seconds
        return str(clock["until"])
    start = datetime.fromisoformat(str(clock["started"]))
    duration, business = str(clock["duration"]), bool(clock.get("business_time"))
    cal = current()
    return due_from(cal, start, budget_seconds(cal, start, duration, business), business).isoformat()


def clock_duration(data: Mapping[str, Any], name: str) -> str:
    """Diagram helper `clock_duration('T1-callback')`: the duration a clock of this case was started with
    (e.g. 'PT3H', for the promise to the customer); the clock_start is the one place that states it."""
    return str(_started_clock(data, name)["duration"])


def counted_from(since: Any, at: datetime) -> datetime:
    """The start of a clock started at `at`: the `since` its clock_start stated (never after `at`), else `at`."""
    if not since:
        return at
    moment = datetime.fromisoformat(str(since))
    return min(moment if moment.tzinfo else moment.replace(tzinfo=at.tzinfo), at)


def registered_at(data: Mapping[str, Any]) -> str | None:
    """Diagram helper `registered_at()`: when the case was registered (`opened_at`, kept by record_intake), None
    when this process was started without a registration; a clock started with `since=registered_at()` counts
    from the moment the complaint was received (T5)."""
    value = data.get("opened_at")
    return str(value) if value else None


def sla_due(duration: str, business_time: bool = False) -> str:
    """Diagram helper: the ISO due time of a clock started now (for a timer's timeDate expression)."""

    start = now()
    cal = current()
    return due_from(cal, start, budget_seconds(cal, start, duration, business_time), business_time).isoformat()
