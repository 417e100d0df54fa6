"""The `notify` handler: queue outbox notices to users, groups, the customer, service points or webhooks."""

from __future__ import annotations

from typing import Any

from handlers.registry import HandlerContext, handler

CASE_FIELDS = ("case_number", "kind", "category", "subject", "grade", "tier", "channel", "description", "demand")
PREFIXES = ("group:", "user:", "service_point:", "webhook:")
CHANNELS = ("in_app", "email", "webhook")


def default_channel(recipient: str) -> str:
    """Channel a recipient is reached on unless the diagram names one."""
    if recipient.startswith("webhook:"):
        return "webhook"
    if recipient == "customer" or recipient.startswith("service_point:"):
        return "email"
    return "in_app"


def recipients_of(to: Any) -> list[str]:
    """Normalise a recipient expression (a string or a list of strings) and check each address."""
    items = [to] if isinstance(to, str) else list(to or [])
    out: list[str] = []
    for item in items:
        if not item:
            continue
        address = str(item)
        if address != "customer" and not (address.startswith(PREFIXES) and address.split(":", 1)[1]):
            raise ValueError(f"unknown recipient {address!r}: use customer, group:, user:, service_point: or webhook:")
        if address not in out:
            out.append(address)
    return out


def case_payload(data: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The case fields every notice carries, plus the diagram's extra data."""
    payload = {k: data[k] for k in CASE_FIELDS if data.get(k) is not None}
    return {**payload, **(extra or {})}


@handler("notify")
def notify(ctx: HandlerContext, to: Any, template: str, channel: str | None = None,
           data: dict[str, Any] | None = None) -> list[str]:
    """Queue one notice per recipient with a template name and the case data; return the idempotency keys."""
    if channel is not None and channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    keys: list[str] = []
    for recipient in recipients_of(to):
        payload = case_payload(ctx.data, data)
        how = channel or default_channel(recipient)
        if recipient == "customer":
            customer = ctx.data.get("customer") or {}
            if how == "email" and not customer.get("email"):
                # a phone or walk-in customer without an address: nothing to send, nothing to repair later
                ctx.record("notice_skipped", template=template, recipient=recipient,
                           reason="no e-mail address for the customer")
                continue
            payload["customer"] = {k: customer.get(k) for k in ("name", "phone", "email") if customer.get(k)}
        keys.append(ctx.send(how, recipient, template, payload))
    return keys


def tell_customer(ctx: HandlerContext, template: str | None, data: dict[str, Any] | None = None) -> None:
    """Mail the customer with a template when the diagram names one (and an address is known)."""
    if template:
        notify(ctx, "customer", template, data=data)
