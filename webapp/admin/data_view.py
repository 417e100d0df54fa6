"""The workflow data of an instance in words for the admin page: each field by its title (from the forms, else the
pack's vocabulary) with its key as secondary text, each value in words (groups, channels, categories, grades,
dates, choices) with the raw value as a tooltip. The engine's own step records are listed apart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from webapp.cases.sofar import choice_title, readable
from webapp.web.i18n import choice_name, deadline_name, group_name, human
from webapp.web.labels import LABELS, label

ENGINE_PREFIX = "spiff__"  # SpiffWorkflow keeps each service task's result under spiff__<task>_result
LABELLED = ("channel", "kind", "status", "behaviour", "media_exposure", "lawsuit")
MASTER = {"category": "category", "department": "department", "responsible_department": "department",
          "service_point": "service_point"}
RULES = ("grade_reason", "new_grade_reason", "rule")


@dataclass
class DataRow:
    """One field: its title and key, its value in words and as stored."""

    key: str
    title: str
    value: str
    raw: str


def form_fields(forms: dict[str, Any] | None, lang: str) -> dict[str, dict[str, Any]]:
    """Every form property of a deployed version by key (the first form defining a key wins)."""
    fields: dict[str, dict[str, Any]] = {}
    for schema in (forms or {}).values():
        props = schema.get("properties") if isinstance(schema, dict) else None
        for key, sub in (props or {}).items():
            if isinstance(sub, dict):
                fields.setdefault(key, sub)
    return fields


def title_of(key: str, fields: dict[str, dict[str, Any]], lang: str) -> str:
    """A field's title in the user's language: the pack's vocabulary, else the form's title, else the key."""
    if key in LABELS["data"]:
        return label("data", key)
    sub = fields.get(key) or {}
    return str(sub.get(f"x-title-{lang}") or sub.get("title") or key.replace("_", " "))


def words(key: str, value: Any, fields: dict[str, dict[str, Any]], lang: str) -> str:
    """A stored value in words, by what its key holds."""
    if isinstance(value, dict):
        if key == "clocks":
            return "; ".join(f"{deadline_name(k)}: {words('clock', v, fields, lang)}" for k, v in value.items())
        return "; ".join(f"{title_of(k, fields, lang)}: {words(k, v, fields, lang)}" for k, v in value.items()
                         if v not in (None, "", [], {}))
    if isinstance(value, list):
        return ", ".join(words(key, v, fields, lang) for v in value)
    if isinstance(value, str):
        return _text(key, value, fields, lang)
    return readable(choice_title(fields.get(key) or {}, value, lang))


def _text(key: str, value: str, fields: dict[str, dict[str, Any]], lang: str) -> str:
    if key.endswith("group") or key == "group":
        return group_name(value)
    if key in LABELLED:
        return label(key, value)
    if key in MASTER:
        return choice_name(MASTER[key], value)
    if key in RULES and value in LABELS["rule"]:
        return label("rule", value)
    moment = _moment(value)
    if moment:
        return moment
    return str(choice_title(fields.get(key) or {}, value, lang))


def _moment(value: str) -> str:
    if len(value) < 16 or value[4:5] != "-" or value[10:11] != "T":
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    return human(moment) if moment.tzinfo else ""


def data_rows(data: dict[str, Any], forms: dict[str, Any] | None, lang: str) -> tuple[list[DataRow], list[DataRow]]:
    """The case's fields and the engine's step records, each as rows in words (by title, engine rows by key)."""
    fields = form_fields(forms, lang)
    shown, engine = [], []
    for key in sorted(data):
        value = data[key]
        raw = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        if key.startswith(ENGINE_PREFIX):
            engine.append(DataRow(key, key[len(ENGINE_PREFIX):].removesuffix("_result").replace("_", " "),
                                  words(key, value, fields, lang), raw))
            continue
        shown.append(DataRow(key, title_of(key, fields, lang),
                             "—" if value in (None, "", [], {}) else words(key, value, fields, lang), raw))
    shown.sort(key=lambda r: r.title.lower())
    return shown, engine
