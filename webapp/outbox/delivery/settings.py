"""Worker and delivery settings: app config keys first, then the environment (webapp.settings.env), then defaults."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from webapp.settings import env


def _get(config: Mapping[str, Any], key: str, default: Any) -> Any:
    if config.get(key) is not None:
        return config[key]
    return env(key, default)


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value.strip() else (value or {})


@dataclass
class MailSettings:
    """SMTP connection and sender (MAIL_* keys)."""

    host: str = "127.0.0.1"
    port: int = 8025
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "Closeloop <closeloop@localhost>"
    timeout: float = 20.0
    domain: str = "closeloop.local"


@dataclass
class WorkerSettings:
    """Everything the worker and the delivery channels read from configuration."""

    mail: MailSettings = field(default_factory=MailSettings)
    base_url: str = "http://127.0.0.1:5000"
    language: str = "en"
    timezone: str = "Asia/Shanghai"
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    service_points: dict[str, str] = field(default_factory=dict)
    webhook_timeout: float = 10.0
    max_attempts: int = 8
    backoff_base: float = 30.0
    backoff_cap: float = 3600.0
    lease_seconds: float = 120.0
    poll_seconds: float = 1.0
    batch: int = 50
    handler_modules: list[str] = field(default_factory=list)


def load_settings(config: Mapping[str, Any]) -> WorkerSettings:
    """Settings from an app config mapping (keys: MAIL_*, BASE_URL, WEBHOOKS, OUTBOX_*, WORKER_* ...)."""
    mail = MailSettings(
        host=str(_get(config, "MAIL_HOST", "127.0.0.1")), port=int(_get(config, "MAIL_PORT", 8025)),
        use_tls=_bool(_get(config, "MAIL_USE_TLS", False)), use_ssl=_bool(_get(config, "MAIL_USE_SSL", False)),
        username=_get(config, "MAIL_USERNAME", None) or None, password=_get(config, "MAIL_PASSWORD", None) or None,
        sender=str(_get(config, "MAIL_SENDER", "Closeloop <closeloop@localhost>")),
        timeout=float(_get(config, "MAIL_TIMEOUT", 20)), domain=str(_get(config, "MAIL_DOMAIN", "closeloop.local")),
    )
    modules = _get(config, "HANDLER_MODULES", "")
    return WorkerSettings(
        mail=mail, base_url=str(_get(config, "BASE_URL", "http://127.0.0.1:5000")).rstrip("/"),
        language=str(_get(config, "MAIL_LANGUAGE", "en")),
        timezone=str(_get(config, "DEFAULT_TIMEZONE", None) or env("TIMEZONE", "Asia/Shanghai")),
        webhooks=_json(_get(config, "WEBHOOKS", "")),
        service_points=_json(_get(config, "SERVICE_POINT_EMAILS", "")),
        webhook_timeout=float(_get(config, "WEBHOOK_TIMEOUT", 10)),
        max_attempts=int(_get(config, "OUTBOX_MAX_ATTEMPTS", 8)),
        backoff_base=float(_get(config, "OUTBOX_BACKOFF_BASE", 30)),
        backoff_cap=float(_get(config, "OUTBOX_BACKOFF_CAP", 3600)),
        lease_seconds=float(_get(config, "OUTBOX_LEASE_SECONDS", 120)),
        poll_seconds=float(_get(config, "WORKER_POLL_SECONDS", 1.0)),
        batch=int(_get(config, "WORKER_BATCH", 50)),
        handler_modules=[m.strip() for m in (modules if isinstance(modules, list) else str(modules).split(","))
                         if m.strip()],
    )
