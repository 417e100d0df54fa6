"""ISO-8601 durations, parsed the way SpiffWorkflow's timers parse them."""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition


def add_iso_duration(start: datetime, duration: str) -> datetime:
    """start + an ISO-8601 duration such as PT3H or P14D (months counted by the calendar)."""
    parsed = TimerEventDefinition.parse_iso_duration(duration)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def is_iso_duration(value: str) -> bool:
    """True if value parses as an ISO-8601 duration."""
    try:
        TimerEventDefinition.parse_iso_duration(value)
    except Exception:
        return False
    return value.upper().startswith("P")
