"""The per-address sign-in throttle: ONE rule for the web sign-in and the API token endpoint."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from webapp.engine.clock import now
from webapp.security.rates import record_hit, window_hits

KEY_PREFIX = "login-failed:"


@dataclass(frozen=True)
class ThrottleRule:
    """At most `failures` failed sign-ins per client address in `window_seconds`."""

    failures: int = 30
    window_seconds: int = 900

    @classmethod
    def from_config(cls, config: Any) -> ThrottleRule:
        """The rule from LOGIN_IP_FAILURES / LOGIN_IP_WINDOW_SECONDS."""
        return cls(int(config.get("LOGIN_IP_FAILURES", 30)), int(config.get("LOGIN_IP_WINDOW_SECONDS", 900)))


def retry_after(session: Session, address: str, rule: ThrottleRule) -> int | None:
    """Seconds the address must wait before it may try again, or None when it may try now."""
    key = KEY_PREFIX + address
    count, oldest = window_hits(session, key, rule.window_seconds)
    if count < rule.failures or oldest is None:
        return None
    free_at = oldest + timedelta(seconds=rule.window_seconds)
    return max(1, math.ceil((free_at - now()).total_seconds()))


def record_failure(session: Session, address: str) -> None:
    """Count one failed sign-in of the address (committed by the caller)."""
    record_hit(session, KEY_PREFIX + address)
