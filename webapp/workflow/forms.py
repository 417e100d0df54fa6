"""Validate submitted form data against the task's JSON Schema."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import jsonschema
from jsonschema import FormatChecker
from jsonschema.protocols import Validator

from webapp.engine.formcheck import safe_validator
from webapp.errors import Invalid
from webapp.security.limits import EARLIEST_DAY, LATEST_DAY, moment_text_in_range

OUT_OF_RANGE = f"must lie between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"


def _format_checker() -> FormatChecker:
    """jsonschema's format checks, with date-times kept within 1900-01-01..2999-12-31 (beyond them a time zone's
    offset or a deadline's arithmetic overflows Python's dates: 9999-12-31T23:59-12:00 was a 500)."""
    checker = FormatChecker()

    def date_time_in_range(instance: object) -> bool:
        return not isinstance(instance, str) or moment_text_in_range(instance)

    checker.checks("date-time")(date_time_in_range)
    return checker


_FORMATS = _format_checker()


@functools.lru_cache(maxsize=512)
def _validator(schema_json: str) -> Validator:
    return safe_validator(json.loads(schema_json), _FORMATS)


def field_errors(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Map each failing field (dotted path, '' for the whole form) to a message saying what to fix."""
    validator = _validator(json.dumps(schema, sort_keys=True))
    errors: dict[str, str] = {}
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "required" and isinstance(err.instance, dict):
            missing = err.message.split("'")[1] if "'" in err.message else ""
            key = f"{path}.{missing}" if path else missing
            errors.setdefault(key, "this field is required")
            continue
        errors.setdefault(path, _message(err))
    return errors


def _message(err: jsonschema.ValidationError) -> str:
    if err.validator == "enum":
        return "choose one of: " + ", ".join(str(v) for v in err.validator_value)
    if err.validator == "type":
        return f"must be of type {err.validator_value}"
    if err.validator == "format" and err.validator_value == "date-time" and not moment_text_in_range(str(err.instance)):
        return OUT_OF_RANGE
    return err.message


def validated(schema: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """Return the data limited to the schema's fields, or raise Invalid naming every field at fault."""
    if not isinstance(data, dict):
        raise Invalid("the form data must be a JSON object", {"": "expected an object"})
    if schema is None:
        return dict(data)
    errors = field_errors(schema, data)
    if errors:
        raise Invalid("some fields need fixing", errors)
    allowed = schema.get("properties")
    if not allowed:
        return dict(data)
    result = {k: v for k, v in data.items() if k in allowed}
    for key, sub in allowed.items():  # an optional field left out takes its `default` (diagrams may read it)
        if key not in result and isinstance(sub, dict) and "default" in sub:
            result[key] = copy.deepcopy(sub["default"])
    return result
