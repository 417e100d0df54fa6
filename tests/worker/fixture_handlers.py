"""A handler used only by the worker tests' diagram: queue one notice on any channel."""

from __future__ import annotations

from handlers.registry import HandlerContext, handler


@handler("worker_test_send")
def send(ctx: HandlerContext, channel: str, to: str, template: str) -> None:
    """Queue a notice with the case's language."""
    ctx.send(channel, to, template, {"lang": ctx.data.get("lang", "en"), "reply_by": ctx.data.get("reply_by")})
