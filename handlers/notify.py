"""The `notify` handler: queue outbox notices to users, groups, the customer, service points or webhooks."""

from __future__ import annotations

from typing import Any

from handlers.registry import HandlerContext, handler

CASE_FIELDS = ("case_number", "kind", "category", "subject", "grade", "tier", "channel", "description", "demand")
UNIT_PREFIXES = ("department:", "department_head:", "service_point:", "service_point_head:")
PREFIXES = ("group:", "user:", "webhook:", *UNIT_PREFIXES)
# a department or service point master data does not keep (typed by hand): the generic group, as before named
# routing; a service point not kept is still mailed at its SERVICE_POINT_EMAILS address
NOT_KEPT = {"department": "group:responsible_department", "department_head": "group:department_head",
            "service_point_head": "group:department_head"}
CHANNELS = ("in_app", "email", "webhook")


def default_channel(recipient: str) -> str:
    """Channel a recipient is reached on unless the diagram names one."""
    return default_channels(recipient)[0]


def default_channels(recipient: str) -> tuple[str, ...]:
    """Channels a recipient is reached on unless the diagram names one: a department or service point in the app
    (its members' bell and worklist) and by e-mail (members, head, the unit's own address)."""
    if recipient.startswith("webhook:"):
        return ("webhook",)
    if recipient == "customer":
        return ("email",)
    if recipient.startswith(UNIT_PREFIXES):
        return ("in_app", "email")
    return ("in_app",)


def recipients_of(to: Any) -> list[str]:
    """Normalise a recipient expression (a string or a list of strings) and check each address."""
    items = [to] if isinstance(to, str) else list(to or [])
    out: list[str] = []
    for item in items:
        if not item:
            continue
        address = str(item)
        if address != "customer" and not (address.startswith(PREFIXES) and address.split(":", 1)[1]):
            raise ValueError(f"unknown recipient {address!r}: use customer, group:, user:, department:, "
                             "department_head:, service_point:, service_point_head: or webhook:")
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
        recipient, hows = reachable(ctx, recipient, (channel,) if channel else default_channels(recipient))
        for how in hows:
            payload = case_payload(ctx.data, data)
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


def reachable(ctx: HandlerContext, recipient: str, hows: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """A department or service point master data does not keep is reached the way it was before named routing."""
    if not recipient.startswith(UNIT_PREFIXES) or ctx.history is None or ctx.history.unit_kept(recipient):
        return recipient, hows
    kind = recipient.partition(":")[0]
    if kind in NOT_KEPT:
        return NOT_KEPT[kind], ("in_app",) if hows == ("in_app", "email") else hows
    return recipient, tuple(h for h in hows if h != "in_app") or hows


def tell_customer(ctx: HandlerContext, template: str | None, data: dict[str, Any] | None = None) -> None:
    """Mail the customer with a template when the diagram names one (and an address is known)."""
    if template:
        notify(ctx, "customer", template, data=data)
