"""SLA clock handlers: start, stop, pause and resume a named deadline on the case (see docs/clocks.md).

They only record a command in the case timeline; the store turns it into a `deadline` row in the same
transaction, computes the due time with the business calendar and gives tasks that name the clock their due time.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from handlers.notify import reachable
from handlers.registry import HandlerContext, handler

CLOCK_EVENTS = ("clock_started", "clock_stopped", "clock_paused", "clock_resumed")
NO_DUE: Any = object()  # clock_start called without `due` (a duration clock)


def _recipients(ctx: HandlerContext, value: Any) -> str | None:
    if value is None or value == "":
        return None
    items = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    return ",".join(reachable(ctx, item, ("in_app",))[0] for item in items)


@handler("clock_start")
def clock_start(ctx: HandlerContext, name: str, duration: str | None = None, business_time: bool = False,
                warn_to: Any = None, breach_to: Any = None, warn_fraction: float | None = None,
                due: Any = NO_DUE, since: Any = None) -> dict[str, Any]:
    """Start (or restart) the named clock: due after `duration` (ISO-8601, or 'EOD') or at `due`; warning at 80 %.

    `since` (optional) is the moment the clock counts from when that is earlier than now, e.g. the registration
    (`opened_at`) for T5, which counts from the moment the complaint was received, not from its classification.
    A `due` expression that gives nothing (e.g. an optional promised time left empty) starts no clock.
    The clock is also kept in the process data (`clocks[name]`: duration, business_time, started), so that the
    diagram states a deadline once: timers read `clock_due(name)`, texts `clock_duration(name)`.
    """
    if not name or not isinstance(name, str):
        raise ValueError("clock_start needs a clock name, e.g. 'T1-callback'")
    until_at: datetime | None = None
    if due is not NO_DUE and duration is None:
        if due in (None, ""):
            return {"clock": name, "started": None}
        until_at = _moment(name, due)
        left = math.ceil((until_at - ctx.now).total_seconds())  # never short of the promised minute
        duration = f"PT{max(0, left)}S"  # a moment past falls due at once
    if not duration or not isinstance(duration, str):
        raise ValueError(f"clock_start '{name}' needs an ISO-8601 duration such as 'PT3H' or 'P14D', or a due time")
    if warn_fraction is not None and not 0 < float(warn_fraction) <= 1:
        raise ValueError("warn_fraction must be between 0 and 1")
    start = _since(name, since, ctx.now)
    ctx.record("clock_started", name=name, duration=duration, business_time=bool(business_time) and due is NO_DUE,
               warn_to=_recipients(ctx, warn_to), breach_to=_recipients(ctx, breach_to),
               warn_fraction=float(warn_fraction) if warn_fraction is not None else None,
               **({"until": until_at.isoformat()} if until_at else {}),
               **({"since": start.isoformat()} if start != ctx.now else {}))
    started = {"duration": duration, "business_time": bool(business_time) and due is NO_DUE,
               "started": start.isoformat(), **({"until": until_at.isoformat()} if until_at else {})}
    ctx.data["clocks"] = {**(ctx.data.get("clocks") or {}), name: started}  # read by clock_due(), clock_duration()
    return {"clock": name, "started": start.isoformat()}


def _since(name: str, since: Any, now: datetime) -> datetime:
    """The moment a clock counts from: `since` when given and not later than now (a future one counts from now)."""
    if since is None or since == "":
        return now
    moment = _moment(name, since)
    return min(moment, now)


def _moment(name: str, due: Any) -> datetime:
    """A due time given to a clock: an aware datetime or ISO-8601 text with its zone (naive text counts as UTC)."""
    try:
        moment = due if isinstance(due, datetime) else datetime.fromisoformat(str(due).strip())
    except ValueError:
        raise ValueError(f"clock_start '{name}': due {due!r} is not an ISO-8601 date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@handler("clock_stop")
def clock_stop(ctx: HandlerContext, name: str) -> dict[str, Any]:
    """Stop the named clock: met if before its due time, else it stays missed."""
    ctx.record("clock_stopped", name=name)
    return {"clock": name, "stopped": ctx.now.isoformat()}


@handler("clock_pause")
def clock_pause(ctx: HandlerContext, name: str, reason: str = "waiting for the customer") -> dict[str, Any]:
    """Pause the named clock (e.g. while waiting for the customer); the remaining time is kept.

    The name is added to `paused_clocks` in the process data, so that a gateway can ask whether the diagram
    paused it (e.g. `'*' in paused_clocks`) and resume only what it paused.
    """
    ctx.record("clock_paused", name=name, reason=reason)
    paused = list(ctx.data.get("paused_clocks") or [])
    ctx.data["paused_clocks"] = paused if name in paused else [*paused, name]
    return {"clock": name, "paused": ctx.now.isoformat()}


@handler("clock_resume")
def clock_resume(ctx: HandlerContext, name: str) -> dict[str, Any]:
    """Resume a paused clock with the time it had left (`'*'` resumes every paused clock)."""
    ctx.record("clock_resumed", name=name)
    paused = list(ctx.data.get("paused_clocks") or [])
    ctx.data["paused_clocks"] = [] if name == "*" else [n for n in paused if n != name]
    return {"clock": name, "resumed": ctx.now.isoformat()}


@handler("clock_status")
def clock_status(ctx: HandlerContext, name: str) -> dict[str, Any]:
    """What the store knows of the named clock now: state, due time and whether it is overdue.

    For the branch of a boundary timer that stands beside a clock that can pause: the timer keeps its first due
    time, the clock moves on with every pause. `overdue` is true when the clock is missed or running past its due
    time, false when it is paused, stopped or due later. A store that cannot tell (no such clock, no clock
    reader) answers `overdue=True`, so the timer alone decides as before.
    """
    reader = getattr(ctx.history, "clock", None)
    found = reader(ctx.instance_id, name) if callable(reader) and name else None
    if not found:
        return {"clock": name, "state": None, "due": None, "overdue": True}
    state, due = found.get("state"), found.get("due")
    overdue = state == "missed" or (state == "running" and due is not None and due <= ctx.now)
    return {"clock": name, "state": state, "due": due.isoformat() if due else None, "overdue": overdue}
