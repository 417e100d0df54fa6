"""Task data that diagram code leaves must be plain JSON (what the saved state holds and reads back as it was)."""

from __future__ import annotations

import math
from typing import Any

from webapp.engine.sandbox_guards import SandboxViolation

_SCALARS = frozenset({str, bool, type(None)})
_CONTAINERS = frozenset({dict, list})
_INT_LOW, _INT_HIGH = -(1 << 63), (1 << 64) - 1  # what orjson writes; larger whole numbers go through json.dumps
_MAX_INT_BITS = 14_000  # json.dumps writes whole numbers up to 4,300 digits (sys.get_int_max_str_digits)
MAX_DEPTH = 100  # levels of lists and objects in one task data value
MAX_VALUES = 1_000_000  # values walked in one check (a list holding one list many times counts each time)
_STORABLE = "only text, numbers, true/false, null, lists and objects can be stored"


class DataNotPlain(SandboxViolation):
    """Diagram code left a value in the task data that the saved state cannot hold as it is."""


def check_data(context: dict[str, Any], before: dict[str, int]) -> None:
    """Check what diagram code may have changed: every key it set and every list or object (changed in place or
    not) must hold plain JSON data; tuples and number keys are turned into what the saved state reads back."""
    budget = [MAX_VALUES]
    for key, value in list(context.items()):
        cls = type(value)
        if (cls in _CONTAINERS or before.get(key) != id(value)) and _walk(value, f"data[{key!r}]", budget):
            context[key] = _as_saved(value)


def _walk(value: Any, path: str, budget: list[int]) -> bool:
    """Raise DataNotPlain at the first value JSON cannot hold as it is; True if a tuple or a number key needs
    turning into a list or text. One iterative walk, at most MAX_DEPTH levels and MAX_VALUES values."""
    convert = False
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        node, where, depth = stack.pop()
        cls = type(node)
        if cls in _SCALARS or cls is int and _INT_LOW <= node <= _INT_HIGH:
            continue
        if cls is float:
            if node - node == 0.0:  # finite (NaN and the infinities give NaN)
                continue
            raise DataNotPlain(f"left {'NaN' if node != node else 'an infinite number'} in {where}; {_STORABLE}, "
                               "and only finite numbers")
        if cls is dict or cls is list or cls is tuple or isinstance(node, dict | list | tuple):
            if depth >= MAX_DEPTH:
                raise DataNotPlain(f"left data nested more than {MAX_DEPTH} levels deep in {where}")
            budget[0] -= len(node)
            if budget[0] < 0:
                raise DataNotPlain(f"left more than {MAX_VALUES:,} values in the task data (at {where})")
            if isinstance(node, dict):
                for key, item in node.items():
                    if type(key) is not str:
                        if not isinstance(key, str | int):
                            raise DataNotPlain(f"left {_what(key)} as a key in {where}; object keys must be text")
                        convert = True
                    stack.append((item, f"{where}[{key!r}]", depth + 1))
            else:
                convert = convert or cls is not list
                stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(node))
            continue
        if isinstance(node, str) or isinstance(node, int) and node.bit_length() <= _MAX_INT_BITS:
            continue
        if isinstance(node, float) and math.isfinite(node):
            continue
        raise DataNotPlain(f"left {_what(node)} in {where}; {_STORABLE}")
    return convert


def _what(value: Any) -> str:
    """A value's kind as an error message names it."""
    if isinstance(value, float):
        return "NaN" if value != value else "an infinite number"
    if isinstance(value, int):
        return "a whole number too large to store"
    if isinstance(value, bytes | bytearray):
        return "bytes"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _as_saved(value: Any) -> Any:
    """Plain data as it reads back from the saved state (tuples become lists, dict keys text), so a workflow
    kept in memory between calls (webapp/engine/wfcache.py) holds the same data as one restored from its state."""
    if isinstance(value, tuple | list):
        items = [_as_saved(v) for v in value]
        return value if isinstance(value, list) and all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            saved = {k: _as_saved(v) for k, v in value.items()}
            return value if all(saved[k] is v for k, v in value.items()) else saved
        return {_key_text(k): _as_saved(v) for k, v in value.items()}
    return value


def _key_text(key: Any) -> str:
    """A dict key as JSON writes it."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)
