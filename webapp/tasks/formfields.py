"""Turn a task's JSON Schema into HTML form fields, and the posted form back into typed JSON.

Supported: string (text, or textarea when `x-widget: textarea` or no/large maxLength), number, integer,
boolean (checkbox; `x-widget: radio` for yes/no), enum (select, or radio when `x-widget: radio`), date,
date-time (shown in the user's time zone, sent as RFC 3339), e-mail, arrays of simple items (checkboxes for
enums, else one item per line), nested objects one level deep. Titles and descriptions are localised with
`x-title-<lang>` / `x-description-<lang>`; enum labels with `x-enum-titles` / `x-enum-titles-<lang>`
(a list parallel to `enum`, or a mapping value -> label).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from webapp.engine.clock import in_zone
from webapp.security.limits import EARLIEST_DAY, LATEST_DAY
from webapp.workflow.forms import OUT_OF_RANGE

TEXTAREA_ABOVE = 200


@dataclass
class Field:
    """One input (or a group of inputs for objects) as the template renders it."""

    name: str
    widget: str
    label: str
    help: str = ""
    required: bool = False
    value: Any = None
    error: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list[Field] = field(default_factory=list)
    unit: str = ""
    guidance: str = ""
    limit: str = ""
    suggestions: list[tuple[str, str]] = field(default_factory=list)
    show_when: str = ""


def localize_error(message: str) -> str:
    """The validator's English messages that people see most, in the user's language."""
    if message == "this field is required":
        return _("this field is required")
    if message.startswith("choose one of: "):
        return _("choose one of: %(values)s", values=message[len("choose one of: "):])
    if message == OUT_OF_RANGE:
        return _("enter a date from %(first)s to %(last)s", first=EARLIEST_DAY.isoformat(), last=LATEST_DAY.isoformat())
    return message


def _type(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def _text(schema: dict[str, Any], key: str, lang: str) -> str:
    value = schema.get(f"x-{key}-{lang}") if lang != "en" else None
    value = value or schema.get(key)
    return value if isinstance(value, str) else ""


def _options(schema: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    values = [v for v in schema.get("enum", []) if v is not None]
    titles = (schema.get(f"x-enum-titles-{lang}") if lang != "en" else None) or schema.get("x-enum-titles")
    result = []
    for i, v in enumerate(values):
        label = None
        if isinstance(titles, dict):
            label = titles.get(str(v))
        elif isinstance(titles, list) and i < len(titles):
            label = titles[i]
        result.append((_str(v), str(label or v)))
    return result


def _str(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _widget(schema: dict[str, Any]) -> str:
    kind, hint, fmt = _type(schema), schema.get("x-widget"), schema.get("format")
    if kind == "object":
        return "object"
    if kind == "array":
        return "checkboxes" if "enum" in (schema.get("items") or {}) else "lines"
    if "enum" in schema:
        return "radio" if hint == "radio" else "select"
    if kind == "boolean":
        return "yesno" if hint == "radio" else "checkbox"
    if kind in ("number", "integer"):
        return kind
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "email":
        return "email"
    if hint in ("textarea", "text"):
        return str(hint)
    max_length = schema.get("maxLength")
    return "textarea" if max_length is None or max_length > TEXTAREA_ABOVE else "text"


def _display(widget: str, value: Any, tz: str) -> Any:
    """The stored value as the input shows it."""
    if value is None:
        return [] if widget == "checkboxes" else ""
    if widget == "datetime" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if moment.tzinfo is not None:  # a draft at the ends of the calendar has no time in this zone: as typed
            moment = in_zone(moment, ZoneInfo(tz)) or moment
        return f"{moment.date().isoformat()}T{moment:%H:%M}"
    if widget == "lines" and isinstance(value, list):
        return "\n".join(_str(v) for v in value)
    if widget == "checkboxes" and isinstance(value, list):
        return [_str(v) for v in value]
    return value if widget in ("checkbox",) else _str(value)


def _extras(fld: Field, sub: dict[str, Any], lang: str, limit: float | None) -> None:
    """Unit (`x-unit`), collapsible long guidance (`x-guidance`), the limit a decision table sets, values offered
    while typing (`x-suggestions`, `x-suggestion-titles`) and the checkbox that reveals the field (`x-show-when`)."""
    fld.unit = str(sub.get("x-unit") or "")
    offered, titles = sub.get("x-suggestions") or [], sub.get("x-suggestion-titles") or []
    fld.suggestions = [(str(v), str(titles[i]) if i < len(titles) else str(v)) for i, v in enumerate(offered)]
    if sub.get("x-show-when"):
        head = fld.name.rpartition(".")[0]
        fld.show_when = f"{head}.{sub['x-show-when']}" if head else str(sub["x-show-when"])
    fld.guidance = str((lang != "en" and sub.get(f"x-guidance-{lang}")) or sub.get("x-guidance") or "")
    if limit is not None:
        amount = f"{limit:,.0f} {fld.unit}".strip()
        fld.limit = _("More than %(amount)s needs the next tier's approval.", amount=amount)


def build_fields(schema: dict[str, Any] | None, values: dict[str, Any], errors: dict[str, str], lang: str,
                 tz: str, prefix: str = "", depth: int = 0, limits: dict[str, float] | None = None) -> list[Field]:
    """The fields of a schema with current values and per-field errors (dotted names for nested objects);
    `limits` are the thresholds read from the deployed decision tables (webapp/workflow/thresholds.py)."""
    if not schema:
        return []
    required = set(schema.get("required") or [])
    fields = []
    for key, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict) or sub.get("readOnly") or sub.get("x-hidden"):
            continue
        name = f"{prefix}{key}"
        widget = _widget(sub)
        if widget == "object" and depth >= 1:
            continue  # one level of nesting is what the form supports
        # a checkbox always sends a value: it is only "required" when it must be ticked (const: true)
        needed = sub.get("const") is True if widget == "checkbox" else key in required
        fld = Field(name=name, widget=widget, label=_text(sub, "title", lang) or key.replace("_", " ").capitalize(),
                    help=_text(sub, "description", lang), required=needed,
                    error=localize_error(errors[name]) if name in errors else None)
        _extras(fld, sub, lang, (limits or {}).get(key))
        current = values.get(key) if isinstance(values, dict) else None
        if widget == "object":
            fld.children = build_fields(sub, current if isinstance(current, dict) else {}, errors, lang, tz,
                                        f"{name}.", depth + 1)
        else:
            fld.value = _display(widget, current, tz)
            fld.options = _options(sub.get("items") or {}, lang) if widget == "checkboxes" else _options(sub, lang)
            fld.attrs = {k: sub[k] for k in ("minimum", "maximum", "minLength", "maxLength") if k in sub}
            if widget == "number":
                fld.attrs["step"] = "any"
        fields.append(fld)
    return fields


def _parse_scalar(sub: dict[str, Any], raw: str, tz: str) -> Any:
    """Typed value of one posted string; raises ValueError with a message for the user."""
    kind = _type(sub)
    if "enum" in sub:
        for option in sub["enum"]:
            if _str(option) == raw:
                return option
        raise ValueError(_("choose one of the options"))
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(_("enter a whole number")) from None
    if kind == "number":
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            raise ValueError(_("enter a number")) from None
        return int(number) if number.is_integer() and "." not in raw else number
    if kind == "boolean":
        return raw in ("true", "on", "1", "yes")
    if sub.get("format") == "date-time":
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(_("enter a date and time")) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(tz))
        return moment.isoformat()
    return raw


def parse_form(schema: dict[str, Any] | None, form: MultiDict[str, str], tz: str,
               prefix: str = "") -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """(typed data, errors of values that could not be read, raw values to show again)."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    raw_values: dict[str, Any] = {}
    for key, sub in ((schema or {}).get("properties") or {}).items():
        if not isinstance(sub, dict) or sub.get("readOnly") or sub.get("x-hidden"):
            continue
        name = f"{prefix}{key}"
        widget = _widget(sub)
        if widget == "object":
            if prefix:
                continue
            child, child_errors, child_raw = parse_form(sub, form, tz, f"{name}.")
            errors.update(child_errors)
            raw_values[key] = child_raw
            if child or key in set((schema or {}).get("required") or []):
                data[key] = child
            continue
        if widget == "checkbox":
            data[key] = raw_values[key] = name in form
            continue
        if widget in ("checkboxes", "lines"):
            items = form.getlist(name) if widget == "checkboxes" else (form.get(name) or "").splitlines()
            items = [i.strip() for i in items if i.strip()]
            raw_values[key] = items
            parsed, bad = [], None
            for item in items:
                try:
                    parsed.append(_parse_scalar(sub.get("items") or {}, item, tz))
                except ValueError as exc:
                    bad = f"{item}: {exc}"
            if bad:
                errors[name] = bad
            elif items:
                data[key] = parsed
            continue
        raw = (form.get(name) or "").strip()
        raw_values[key] = raw
        if raw == "":
            continue  # empty means "not given": the schema's `required` speaks for it
        try:
            data[key] = _parse_scalar(sub, raw, tz)
        except ValueError as exc:
            errors[name] = str(exc)
    return data, errors, raw_values


def merge_for_display(data: dict[str, Any], raw: dict[str, Any], bad: dict[str, str],
                      prefix: str = "") -> dict[str, Any]:
    """Values to show after a failed submit: typed values, and the user's own text where it could not be read."""
    shown = dict(data)
    for key, value in raw.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            shown[key] = merge_for_display(data.get(key) or {}, value, bad, f"{name}.")
        elif name in bad or key not in shown:
            shown[key] = value
    return shown


def draft_values(data: dict[str, Any], raw: dict[str, Any], bad: dict[str, str]) -> dict[str, Any]:
    """What a draft keeps: typed values plus the user's text for anything not yet valid (nothing is lost)."""
    return merge_for_display(data, {k: v for k, v in raw.items() if v not in ("", [], None)}, bad)
