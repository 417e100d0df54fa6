"""The per-address sign-in throttle: ONE rule for the web sign-in and the API token endpoint."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from webapp.engine.clock import now
from webapp.security.models import RateHit

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
    since = now() - timedelta(seconds=rule.window_seconds)
    session.execute(delete(RateHit).where(RateHit.key == key, RateHit.at < since))
    count, oldest = session.execute(
        select(func.count(), func.min(RateHit.at)).where(RateHit.key == key)).one()
    if count < rule.failures or oldest is None:
        return None
    free_at = oldest + timedelta(seconds=rule.window_seconds)
    return max(1, math.ceil((free_at - now()).total_seconds()))


def record_failure(session: Session, address: str) -> None:
    """Count one failed sign-in of the address (committed by the caller)."""
    session.add(RateHit(key=KEY_PREFIX + address, at=now()))
