"""The `deadline_missed` handler: record a missed SLA clock and tell the next tier."""

from __future__ import annotations

from typing import Any

from handlers.notify import case_payload, default_channel, recipients_of
from handlers.registry import HandlerContext, handler


@handler("deadline_missed")
def deadline_missed(ctx: HandlerContext, clock: str, duration: str, to: Any, task: str | None = None) -> dict[str, Any]:
    """Record that a named deadline (T1, T3, T4, T5, K1, K2 ...) passed and notify the escalation recipients."""
    missed = {"clock": clock, "duration": duration, "task": task, "at": ctx.now.isoformat()}
    history = [*ctx.data.get("missed_deadlines", []), missed]
    ctx.data["missed_deadlines"] = history
    ctx.record("deadline_missed", clock=clock, duration=duration, task=task)
    ctx.update_case(missed_deadlines=[m["clock"] for m in history])
    for recipient in recipients_of(to):
        payload = case_payload(ctx.data, {"clock": clock, "duration": duration, "task": task})
        ctx.send(default_channel(recipient), recipient, "deadline_missed", payload)
    return missed
