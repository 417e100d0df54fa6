"""Event data in words for the case timeline: each key by its label, each value by the label of its code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from webapp.cases.sofar import readable
from webapp.engine.clock import now
from webapp.engine.durations import duration_delta
from webapp.reports.labels import duration as human_duration
from webapp.web.i18n import choice_name, human, recipient_name
from webapp.web.labels import LABELS, label

# which label group names the values of a key (codes stored in event data)
VALUE_GROUP = {"kind": "kind", "case_kind": "kind", "status": "status", "template": "template",
               "result": "result", "urgency": "urgency", "responsibility": "responsibility", "grade": "rule",
               "rule": "rule"}
MASTER_DATA = {"category": "category", "department": "department", "service_point": "service_point"}
RECIPIENTS = {"to", "recipient", "breach_to", "executor", "assignee"}


def details(data: dict[str, Any], hidden: set[str]) -> str:
    """'Case kind: Inquiry; Category: Parts supply' for the keys of an event not shown elsewhere."""
    shown = [(key, value) for key, value in data.items() if key not in hidden and value not in (None, "", [], {})]
    return "; ".join(f"{field_name(key)}: {value_words(key, value)}" for key, value in shown)


def rule_text(text: str | None) -> str:
    """A stored 'key: code; key: code' text (e.g. an assessment's rule 'responsibility: company') in words."""
    parts = []
    for part in (text or "").split(";"):
        key, sep, value = part.partition(":")
        key, value = key.strip(), value.strip()
        known = sep and key in LABELS["event_field"]
        parts.append(f"{field_name(key)}: {value_words(key, value)}" if known else part.strip())
    return "; ".join(p for p in parts if p)


def field_name(key: str) -> str:
    """An event data key by its label ('registered_by' -> 'Registered by'), else the pack's field vocabulary."""
    return label("event_field" if key in LABELS["event_field"] or key not in LABELS["data"] else "data", key)


def value_words(key: str, value: Any) -> str:
    """An event data value in words: codes by their labels, recipients by name, dates short."""
    if isinstance(value, list):
        return ", ".join(value_words(key, item) for item in value)
    if isinstance(value, bool) or not isinstance(value, str):
        return readable(value)
    if key in RECIPIENTS:
        return ", ".join(recipient(part.strip()) for part in value.split(",") if part.strip())
    if key == "channel":
        return label("channel" if value in LABELS["channel"] else "message_channel", value)
    if key in VALUE_GROUP and value in LABELS[VALUE_GROUP[key]]:
        return label(VALUE_GROUP[key], value)
    if key in MASTER_DATA:
        return choice_name(MASTER_DATA[key], value)
    if key == "duration" and value.startswith("P"):
        return _duration(value)
    return moment(value) or (value.replace("_", " ") if value.replace("_", "").isalnum() else value)


def recipient(value: str) -> str:
    """A notice recipient in words: the customer, a user's login, a group, unit or queue by its name."""
    return value[5:] if value.startswith("user:") else recipient_name(value)


def moment(value: Any) -> str:
    """An ISO timestamp from event data as a short date in the user's zone ('' if it is not one)."""
    if not isinstance(value, str) or len(value) < 16 or value[4:5] != "-":
        return ""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return ""
    return human(at) if at.tzinfo else ""


def _duration(value: str) -> str:
    """An ISO-8601 duration as '3 h 00 min' (the text itself when it does not parse)."""
    try:
        return human_duration(duration_delta(value, now()).total_seconds())
    except (ValueError, TypeError):
        return value
