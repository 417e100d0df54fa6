"""Limits a form shows next to a field, read from the deployed decision table that enforces them (one truth)."""

from __future__ import annotations

import re
from typing import Any

from webapp.engine.xmlsafe import parse_xml
from webapp.models import Instance
from webapp.workflow.definitions import forms_for

DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
_ABOVE = re.compile(r"^\?\s*(>=?)\s*(-?\d+(?:\.\d+)?)$")


def threshold(files: dict[str, str], decision: str, expression: str) -> float | None:
    """The first number a rule of `decision` compares the input `expression` with (`? > N`), or None."""
    for name, text in files.items():
        if not name.endswith(".dmn") or f'id="{decision}"' not in text:
            continue
        root = parse_xml(text.encode(), name)
        table = root.find(f".//{DMN}decision[@id='{decision}']/{DMN}decisionTable")
        if table is None:
            return None
        inputs = [(i.findtext(f"{DMN}inputExpression/{DMN}text") or "").strip() for i in table.iter(f"{DMN}input")]
        column = next((n for n, text in enumerate(inputs) if text.startswith(expression)), None)
        if column is None:
            return None
        for rule in table.iter(f"{DMN}rule"):
            entries = [(e.findtext(f"{DMN}text") or "").strip() for e in rule.iter(f"{DMN}inputEntry")]
            match = _ABOVE.match(entries[column]) if column < len(entries) else None
            if match:
                return float(match.group(2))
    return None


def definition_limits(instance: Instance | None) -> dict[str, float]:
    """Field name -> limit over every form of the instance's process version (e.g. the approval threshold of
    `compensation_amount`, for pages that show the amount outside its form)."""
    if instance is None:
        return {}
    limits: dict[str, float] = {}
    for schema in forms_for(instance.definition).values():
        limits.update(field_limits(instance, schema if isinstance(schema, dict) else None))
    return limits


def field_limits(instance: Instance | None, schema: dict[str, Any] | None) -> dict[str, float]:
    """Field name -> limit for every property naming `x-threshold` {decision, input} in the form."""
    if instance is None or not schema:
        return {}
    files = instance.definition.files or {}
    limits: dict[str, float] = {}
    for key, sub in (schema.get("properties") or {}).items():
        spec = sub.get("x-threshold") if isinstance(sub, dict) else None
        if isinstance(spec, dict) and spec.get("decision"):
            value = threshold(files, str(spec["decision"]), str(spec.get("input") or key))
            if value is not None:
                limits[key] = value
    return limits
