"""Form schemas that are safe to run: object schemas, local $ref only, patterns in linear time (RE2).

`form_problems` is the deploy check; `safe_validator` is what validates submitted data (never retrieves a
remote or file $ref, runs `pattern`/`patternProperties` with RE2 so no pattern can take exponential time).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.protocols import Validator
from jsonschema_specifications import REGISTRY as SPECIFICATIONS
from referencing import Registry
from referencing.exceptions import NoSuchResource

from webapp.engine.messages import Message

_REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
_RE2 = re2.Options()
_RE2.log_errors = False


def _refuse_retrieval(uri: str) -> Any:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


_LOCAL_ONLY = SPECIFICATIONS.combine(Registry(retrieve=_refuse_retrieval))  # type: ignore[call-arg]


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path or "/", node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def _pattern_problem(where: str, pattern: Any) -> Message | None:
    if not isinstance(pattern, str):
        return None
    try:
        re2.compile(pattern, _RE2)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        return "unbounded_pattern", {"pattern": pattern, "where": where, "reason": str(reason)}
    return None


def form_problems(schema: Any) -> list[Message]:
    """What makes a form schema unsafe or unusable, as message codes (empty if it may be deployed)."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return [("form_not_object", {})]
    problems: list[Message] = []
    for where, node in _walk(schema):
        for key in _REF_KEYS:
            ref = node.get(key)
            if isinstance(ref, str) and not ref.startswith("#"):
                problems.append(("ref_outside", {"key": key, "ref": ref, "where": where}))
        if isinstance(node.get("pattern"), str):
            problem = _pattern_problem(where, node.get("pattern"))
            if problem:
                problems.append(problem)
        pattern_props = node.get("patternProperties")
        if isinstance(pattern_props, dict):
            problems.extend(p for key in pattern_props if (p := _pattern_problem(f"{where}/patternProperties", key)))
    return problems


def _re2_search(pattern: str, text: str) -> bool:
    try:
        return re2.search(pattern, text, _RE2) is not None
    except re2.error:
        return False


def _pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _re2_search(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def _pattern_properties(validator: Any, pattern_props: dict[str, Any], instance: Any,
                        schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in pattern_props.items():
        for key, value in instance.items():
            if _re2_search(patrn, key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


_SafeValidator = validators.extend(
    Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties})


def safe_validator(schema: dict[str, Any], formats: FormatChecker | None = None) -> Validator:
    """A Draft 2020-12 validator that never fetches a $ref and runs patterns with RE2 (`formats`: the format
    checks, jsonschema's own by default)."""
    return _SafeValidator(schema, registry=_LOCAL_ONLY,  # type: ignore[call-arg]
                          format_checker=FormatChecker() if formats is None else formats)
