"""ISO-8601 durations, parsed the way SpiffWorkflow's timers parse them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition


def add_iso_duration(start: datetime, duration: str) -> datetime:
    """start + an ISO-8601 duration such as PT3H or P14D (months counted by the calendar)."""
    parsed = TimerEventDefinition.parse_iso_duration(duration)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)


def duration_delta(duration: str, start: datetime) -> timedelta:
    """An ISO-8601 duration as a timedelta counted from `start` (raises ValueError when it is not one)."""
    if not duration.strip().upper().startswith("P"):
        raise ValueError(f"{duration!r} is not an ISO-8601 duration")
    try:
        parsed = TimerEventDefinition.parse_iso_duration(duration.strip())
    except Exception:
        raise ValueError(f"{duration!r} is not an ISO-8601 duration") from None
    return TimerEventDefinition.get_timedelta_from_start(parsed, start)


def validate_timer_value(kind: str, value: str) -> str | None:
    """None when `value` is what a timer of this kind (timeDuration/timeDate/timeCycle) accepts, else what it is not."""
    text = value.strip()
    try:
        if kind == "timeDuration":
            duration_delta(text, datetime.now(UTC))
        elif kind == "timeDate":
            TimerEventDefinition.parse_time_or_duration(text) if "W" in text.upper() else \
                TimerEventDefinition.get_datetime(text)
        else:
            if not text.upper().startswith("R"):
                return "cycle (it must start with R, e.g. R3/PT10M)"
            TimerEventDefinition.parse_iso_recurring_interval(text)
    except Exception:
        return {"timeDuration": "duration", "timeDate": "date and time"}.get(kind, "cycle")
    return None
