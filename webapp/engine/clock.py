"""A movable clock shared by the engine, the timers and the services."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """Return the current time (UTC, aware), honouring a frozen or shifted clock."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def in_zone(moment: datetime, zone: tzinfo) -> datetime | None:
    """An aware moment in a time zone, or None when that zone's calendar cannot hold it (at year 1 or 9999)."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return None


def freeze(at: datetime) -> None:
    """Stop the clock at the given moment (tests, demos)."""
    global _frozen
    _frozen = at if at.tzinfo else at.replace(tzinfo=UTC)


def advance(delta: timedelta) -> None:
    """Move the clock forward by delta (frozen or running)."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset = _offset + delta


def reset() -> None:
    """Return to the wall clock."""
    global _frozen, _offset
    _frozen, _offset = None, timedelta(0)


@contextlib.contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze the clock for the duration of a with-block."""
    global _frozen, _offset
    saved = (_frozen, _offset)
    freeze(at)
    try:
        yield
    finally:
        _frozen, _offset = saved


class _ClockDatetime(datetime):
    """datetime whose now() follows our clock; installed into SpiffWorkflow's timer module."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        """Return our clock's time in the given zone."""
        current = now()
        return current.astimezone(tz) if tz else current.replace(tzinfo=None)


def install() -> None:
    """Make SpiffWorkflow's timer events read our clock (they call datetime.now directly)."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer  # lazy: keep SpiffWorkflow off clock imports

    timer.datetime = _ClockDatetime  # type: ignore[attr-defined,misc]


def iso(value: datetime | None) -> str | None:
    """ISO-8601 text of a moment, or None."""
    return value.isoformat() if value else None
