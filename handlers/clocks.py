"""SLA clock handlers: start, stop, pause and resume a named deadline on the case (see docs/clocks.md).

They only record a command in the case timeline; the store turns it into a `deadline` row in the same
transaction, computes the due time with the business calendar and gives tasks that name the clock their due time.
"""

from __future__ import annotations

from typing import Any

from handlers.registry import HandlerContext, handler

CLOCK_EVENTS = ("clock_started", "clock_stopped", "clock_paused", "clock_resumed")


def _recipients(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


@handler("clock_start")
def clock_start(ctx: HandlerContext, name: str, duration: str, business_time: bool = False,
                warn_to: Any = None, breach_to: Any = None, warn_fraction: float | None = None) -> dict[str, Any]:
    """Start (or restart) the named clock: due after `duration` (ISO-8601, or 'EOD'), warning at 80 %."""
    if not name or not isinstance(name, str):
        raise ValueError("clock_start needs a clock name, e.g. 'T1-callback'")
    if not duration or not isinstance(duration, str):
        raise ValueError(f"clock_start '{name}' needs an ISO-8601 duration such as 'PT3H' or 'P14D'")
    if warn_fraction is not None and not 0 < float(warn_fraction) <= 1:
        raise ValueError("warn_fraction must be between 0 and 1")
    ctx.record("clock_started", name=name, duration=duration, business_time=bool(business_time),
               warn_to=_recipients(warn_to), breach_to=_recipients(breach_to),
               warn_fraction=float(warn_fraction) if warn_fraction is not None else None)
    return {"clock": name, "started": ctx.now.isoformat()}


@handler("clock_stop")
def clock_stop(ctx: HandlerContext, name: str) -> dict[str, Any]:
    """Stop the named clock: met if before its due time, else it stays missed."""
    ctx.record("clock_stopped", name=name)
    return {"clock": name, "stopped": ctx.now.isoformat()}


@handler("clock_pause")
def clock_pause(ctx: HandlerContext, name: str, reason: str = "waiting for the customer") -> dict[str, Any]:
    """Pause the named clock (e.g. while waiting for the customer); the remaining time is kept."""
    ctx.record("clock_paused", name=name, reason=reason)
    return {"clock": name, "paused": ctx.now.isoformat()}


@handler("clock_resume")
def clock_resume(ctx: HandlerContext, name: str) -> dict[str, Any]:
    """Resume a paused clock with the time it had left."""
    ctx.record("clock_resumed", name=name)
    return {"clock": name, "resumed": ctx.now.isoformat()}
