"""Shared form vocabularies: a form's property takes its choices from a definitions file of the pack.

`forms/vocabularies.json` holds `$defs` (e.g. `media_exposure`: type, enum, English and Chinese choice titles);
a form says `{"$ref": "vocabularies.json#/$defs/media_exposure", "title": ..., "description": ...}` and the
deploy resolves it: the definition, with the property's own keys over it. A deployed version stores the resolved
forms, so what runs, validates and renders is a self-contained schema.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from webapp.engine.messages import Message

SHARED_REF = re.compile(r"^([A-Za-z0-9_.-]+\.json)#/\$defs/([A-Za-z0-9_-]+)$")
SHARED_REF_TEXT = re.compile(r'"\$ref"\s*:\s*"([A-Za-z0-9_.-]+\.json)#/\$defs/')  # the files a form's text refers to


def is_definitions(schema: Any) -> bool:
    """A definitions file (only `$defs`, no form of its own: no `type`, no `properties`), not a form a task names."""
    return isinstance(schema, dict) and "$defs" in schema and "properties" not in schema and "type" not in schema


def resolve_shared(schema: Any, files: dict[str, Any]) -> tuple[Any, list[Message]]:
    """The schema with every reference to another file's `$defs` replaced by that definition (the node's own
    keys win), and a problem for each reference that finds nothing."""
    problems: list[Message] = []

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        match = SHARED_REF.match(ref) if isinstance(ref, str) else None
        if match:
            target = (files.get(match.group(1)) or {}).get("$defs", {}).get(match.group(2))
            if not isinstance(target, dict):
                problems.append(("unresolved_ref", {"ref": str(ref), "name": match.group(2), "file": match.group(1)}))
                return {k: walk(v) for k, v in node.items() if k != "$ref"}
            node = copy.deepcopy(target) | {k: v for k, v in node.items() if k != "$ref"}
        return {k: walk(v) for k, v in node.items()}

    return walk(schema), problems
