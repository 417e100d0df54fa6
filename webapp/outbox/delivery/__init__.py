"""Delivery channels of the outbox: e-mail over SMTP, signed webhooks, in-app (no network, no database here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class DeliveryError(Exception):
    """Delivery failed; `permanent` failures are not retried (e.g. no address, webhook answered 4xx)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Envelope:
    """One message ready to go: who, what, in which language, with which idempotency key."""

    outbox_id: int
    channel: str
    recipient: str
    template: str
    payload: dict[str, Any]
    key: str
    attempt: int
    language: str = "en"
    timezone: str = "UTC"  # the zone times are shown in: the user's own, else the configured default
    addresses: list[str] = field(default_factory=list)
    case_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    duplicate_of: int | None = None  # an earlier row of the same message that reaches some of these people
