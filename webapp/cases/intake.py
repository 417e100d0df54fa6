"""The intake schema of a case registration (API body and the register page)."""

from __future__ import annotations

import copy
from typing import Any

CHANNELS = ["phone", "walk_in", "callback", "letter", "email", "web", "forum", "forwarded", "authority", "media",
            "lawyer", "consumer_association"]
MAJOR_CHANNELS = {"media", "authority", "lawyer", "consumer_association"}
KINDS = ["inquiry", "rescue", "new_failure", "grievance", "external"]
BEHAVIOURS = ["passive", "talker", "angry", "activist"]
CUSTOMER_LANGUAGES = ["en", "zh"]  # the languages customer mail is written in


def N_(text: str) -> str:
    """Mark a message for the catalogue; the web translates it when it shows it."""
    return text


SOLUTION_NEEDED = N_("Say how it was solved.")

INTAKE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["channel", "customer", "description"],
    "additionalProperties": False,
    "properties": {
        "channel": {"type": "string", "enum": CHANNELS},
        "kind": {"type": ["string", "null"], "enum": [*KINDS, None]},
        "customer": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "phone": {"type": ["string", "null"], "maxLength": 50},
                "email": {"type": ["string", "null"], "maxLength": 254, "format": "email"},
                "address": {"type": ["string", "null"], "maxLength": 500},
                "language": {"type": ["string", "null"], "enum": [*CUSTOMER_LANGUAGES, None]},
            },
        },
        "category": {"type": ["string", "null"], "maxLength": 80},
        "subject": {"type": ["string", "null"], "maxLength": 200},
        "object": {"type": ["string", "null"], "maxLength": 80},
        "same_issue_as": {"type": ["string", "null"], "maxLength": 40},
        "description": {"type": "string", "minLength": 1, "maxLength": 20000},
        "demand": {"type": ["string", "null"], "maxLength": 5000},
        "purchase_intent": {"type": "boolean"},
        "solved_on_the_spot": {"type": "boolean"},
        "solution_on_the_spot": {"type": ["string", "null"], "maxLength": 5000},
        "facts": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "media_exposure": {"type": "string", "enum": ["none", "possible", "actual"]},
                "lawsuit": {"type": "string", "enum": ["none", "possible", "group"]},
                "households": {"type": "integer", "minimum": 1, "maximum": 1000000},
                "needs_other_departments": {"type": "boolean"},
                "key_customer": {"type": "boolean"},
                "behaviour": {"type": ["string", "null"], "enum": [*BEHAVIOURS, None]},
            },
        },
    },
}

DEFAULT_FACTS: dict[str, Any] = {
    "media_exposure": "none",
    "lawsuit": "none",
    "households": 1,
    "needs_other_departments": False,
    "key_customer": False,
    "behaviour": None,
}


def intake_schema(channels: list[str], categories: list[str]) -> dict[str, Any]:
    """INTAKE_SCHEMA with the channels and categories the master data offers (unknown keys fail with 422)."""
    schema = copy.deepcopy(INTAKE_SCHEMA)
    props = schema["properties"]
    props["channel"]["enum"] = list(channels)
    props["category"]["enum"] = [*categories, None]
    return schema


def rule_errors(data: dict[str, Any]) -> dict[str, str]:
    """The intake rules beyond the schema, by field: solved on the spot (R1) needs the solution."""
    errors: dict[str, str] = {}
    if data.get("solved_on_the_spot") and not (data.get("solution_on_the_spot") or "").strip():
        errors["solution_on_the_spot"] = SOLUTION_NEEDED
    return errors
