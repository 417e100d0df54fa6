"""JSON Schema -> HTML fields -> typed JSON, for every supported type, and the rendered page in Chinese."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from webapp.tasks.formfields import build_fields, parse_form
from webapp.workflow.forms import field_errors

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["summary", "responsibility", "amount"],
    "properties": {
        "summary": {"type": "string", "title": "Summary", "x-title-zh": "摘要",
                    "description": "Problem, checks, result", "x-description-zh": "问题、核查、结果"},
        "code": {"type": "string", "maxLength": 20, "title": "Code"},
        "amount": {"type": "number", "minimum": 0},
        "visits": {"type": "integer"},
        "agreed": {"type": "boolean"},
        "callback": {"type": ["boolean", "null"], "x-widget": "radio"},
        "responsibility": {"type": "string", "enum": ["company", "customer", "shared", "third_party"],
                           "x-enum-titles": ["Company", "Customer", "Shared", "Third party"],
                           "x-enum-titles-zh": ["公司", "客户", "共同", "第三方"]},
        "channel": {"type": "string", "enum": ["phone", "visit"], "x-widget": "radio"},
        "on": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "departments": {"type": "array", "items": {"type": "string", "enum": ["sales", "service", "parts"]}},
        "executor": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "maxLength": 80}, "deadline": {"type": "string", "format": "date"},
            "deep": {"type": "object", "properties": {"x": {"type": "string"}}}}},
    },
}


def _by_name(fields: list[Any]) -> dict[str, Any]:
    out = {}
    for f in fields:
        out[f.name] = f
        for c in f.children:
            out[c.name] = c
    return out


def test_widgets_for_each_type(app: Any) -> None:
    with app.test_request_context():
        fields = _by_name(build_fields(SCHEMA, {}, {}, "en", "Asia/Shanghai"))
    widgets = {name: f.widget for name, f in fields.items()}
    assert widgets == {
        "summary": "textarea", "code": "text", "amount": "number", "visits": "integer", "agreed": "checkbox",
        "callback": "yesno", "responsibility": "select", "channel": "radio", "on": "date", "at": "datetime",
        "tags": "lines", "departments": "checkboxes", "executor": "object", "executor.name": "text",
        "executor.deadline": "date",
    }, "nested objects go one level deep only"
    assert fields["summary"].required and fields["executor.name"].required and not fields["code"].required
    assert fields["responsibility"].options[3] == ("third_party", "Third party")
    assert fields["summary"].help == "Problem, checks, result"


def test_chinese_titles_descriptions_and_option_labels(app: Any) -> None:
    with app.test_request_context():
        fields = _by_name(build_fields(SCHEMA, {}, {}, "zh", "Asia/Shanghai"))
    assert fields["summary"].label == "摘要" and fields["summary"].help == "问题、核查、结果"
    assert fields["responsibility"].options[0] == ("company", "公司")
    assert fields["code"].label == "Code", "no translation: the English title"


def test_parse_types_and_round_trip(app: Any) -> None:
    form = MultiDict([
        ("summary", " All agree "), ("amount", "12.50"), ("visits", "3"), ("agreed", "true"), ("callback", "false"),
        ("responsibility", "shared"), ("channel", "visit"), ("on", "2026-03-01"), ("at", "2026-03-01T09:30"),
        ("tags", "rude\n\nlate \n"), ("departments", "sales"), ("departments", "parts"),
        ("executor.name", "Wang"), ("executor.deadline", ""),
    ])
    with app.test_request_context():
        data, bad, _ = parse_form(SCHEMA, form, "Asia/Shanghai")
    assert bad == {}
    assert data == {
        "summary": "All agree", "amount": 12.5, "visits": 3, "agreed": True, "callback": False,
        "responsibility": "shared", "channel": "visit", "on": "2026-03-01", "at": "2026-03-01T09:30:00+08:00",
        "tags": ["rude", "late"], "departments": ["sales", "parts"], "executor": {"name": "Wang"},
    }
    assert field_errors(SCHEMA, data) == {}
    with app.test_request_context():
        shown = _by_name(build_fields(SCHEMA, data, {}, "en", "Europe/Berlin"))
    assert shown["at"].value == "2026-03-01T02:30", "date-times are shown in the user's zone"
    assert shown["tags"].value == "rude\nlate" and shown["departments"].value == ["sales", "parts"]
    assert shown["executor.name"].value == "Wang" and shown["agreed"].value is True


def test_unreadable_values_are_errors_and_missing_ones_are_left_to_required(app: Any) -> None:
    form = MultiDict([("amount", "lots"), ("visits", "2.5"), ("responsibility", "nobody"), ("executor.name", ""),
                      ("executor.deadline", "2026-03-02")])
    with app.test_request_context():
        data, bad, raw = parse_form(SCHEMA, form, "UTC")
    assert set(bad) == {"amount", "visits", "responsibility"}
    assert raw["amount"] == "lots"
    errors = {**field_errors(SCHEMA, data), **bad}
    assert errors["summary"] == "this field is required"
    assert errors["executor.name"] == "this field is required", "a started nested object needs its required fields"
    empty = parse_form(SCHEMA, MultiDict([("executor.name", "")]), "UTC")[0]
    assert "executor" not in empty, "an empty optional object is left out"
