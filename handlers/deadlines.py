"""The `deadline_missed` handler: a diagram timer passed; record it and tell the next tier to step in."""

from __future__ import annotations

from typing import Any

from handlers.notify import case_payload, default_channels, reachable, recipients_of
from handlers.registry import HandlerContext, handler


@handler("deadline_missed")
def deadline_missed(ctx: HandlerContext, clock: str, to: Any, task: str | None = None,
                    duration: str | None = None) -> dict[str, Any]:
    """Record the escalation of a missed deadline (T1, T3, T4, T5, K1, K2 ...) and notify the recipients.

    The worker's own breach notice of the SLA clock (template and event `deadline_missed`) is separate: this one
    (template `deadline_escalation`, event `deadline_escalated`) is the process asking the next tier to act.
    Without `duration`, the duration the case's clock of that name was started with is recorded, else (no such
    clock: G2-d) the duration of the timer whose branch this is: a deadline is stated once.
    """
    if duration is None:  # the clock's own duration, as its clock_start stated it, else the timer's
        duration = str(((ctx.data.get("clocks") or {}).get(clock) or {}).get("duration") or "") or ctx.timer
    missed = {"clock": clock, "duration": duration, "task": task, "at": ctx.now.isoformat()}
    history = [*ctx.data.get("missed_deadlines", []), missed]
    ctx.data["missed_deadlines"] = history
    ctx.record("deadline_escalated", clock=clock, duration=duration, task=task, to=recipients_of(to))
    ctx.update_case(missed_deadlines=[m["clock"] for m in history])
    for address in recipients_of(to):
        payload = case_payload(ctx.data, {"clock": clock, "duration": duration, "task": task})
        recipient, channels = reachable(ctx, address, default_channels(address))
        for channel in channels:
            ctx.send(channel, recipient, "deadline_escalation", dict(payload))
    return missed
