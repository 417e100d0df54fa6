"""E-mail: render a bilingual template (plain text + HTML) and send it over SMTP with a stable Message-ID."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, TemplateNotFound, pass_context, select_autoescape
from jinja2.runtime import Context

from webapp.engine.clock import in_zone
from webapp.outbox.delivery import DeliveryError, Envelope
from webapp.outbox.delivery.settings import MailSettings

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
LANGUAGES = ("en", "zh")
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   keep_trailing_newline=True)


@pass_context
def local_time(context: Context, value: Any) -> str:
    """A date-time (ISO text or datetime) in the recipient's zone, e.g. '2026-12-05 10:30 (UTC+08:00)'."""
    if not value:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)  # free text (an old payload): shown as it was written
    try:
        zone = ZoneInfo(str(context.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = in_zone(aware, zone) or aware  # a time at the ends of the calendar has none in this zone: as stored
    offset = local.strftime("%z")
    return f"{local.date().isoformat()} {local:%H:%M} (UTC{offset[:3]}:{offset[3:]})"


_env.filters["local"] = local_time


def language_of(value: str | None, default: str = "en") -> str:
    """Our mail language for a user or payload language tag ('zh_Hans', 'zh-CN' -> 'zh')."""
    tag = (value or default or "en").lower().replace("_", "-").split("-")[0]
    return tag if tag in LANGUAGES else "en"


def message_id(key: str, domain: str) -> str:
    """A Message-ID derived from the outbox idempotency key, the same on every retry."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, plain text, html) of a mail template; unknown templates fall back to 'generic'."""
    lang = language_of(language)
    for name in (template, "generic"):
        try:
            text = _env.get_template(f"{name}.{lang}.txt").render(template=template, **context)
            html = _env.get_template(f"{name}.{lang}.html").render(template=template, **context)
        except TemplateNotFound:
            continue
        first, _, body = text.partition("\n")
        if not first.startswith("Subject:"):
            raise DeliveryError(f"mail template {name}.{lang}.txt must start with 'Subject:'", permanent=True)
        return first[len("Subject:"):].strip(), body.lstrip("\n"), html
    raise DeliveryError(f"no mail template '{template}' and no generic template", permanent=True)


def build(envelope: Envelope, settings: MailSettings) -> EmailMessage:
    """The MIME message of an envelope: multipart/alternative text + HTML, Message-ID from the key."""
    context = {**envelope.payload, "case_url": envelope.case_url, "recipient": envelope.recipient,
               "lang": language_of(envelope.language), "timezone": envelope.timezone}
    subject, text, html = render(envelope.template, envelope.language, context)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = settings.sender
    msg["To"] = ", ".join(envelope.addresses)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id(envelope.key, settings.domain)
    msg["X-Closeloop-Key"] = envelope.key
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg["Content-Language"] = "zh-CN" if language_of(envelope.language) == "zh" else "en"  # after set_content
    return msg


def send(envelope: Envelope, settings: MailSettings) -> str:
    """Send over SMTP; raises DeliveryError (permanent for refused recipients or a missing address)."""
    if not envelope.addresses:
        raise DeliveryError(f"no e-mail address for {envelope.recipient}", permanent=True)
    msg = build(envelope, settings)
    try:
        if settings.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            if settings.use_tls and not settings.use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"all recipients refused: {exc.recipients}", permanent=True) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {settings.host}:{settings.port}: {type(exc).__name__}: {exc}") from exc
    note = f" (refused: {', '.join(refused)})" if refused else ""
    return f"mail {msg['Message-ID']} to {msg['To']}{note}"
