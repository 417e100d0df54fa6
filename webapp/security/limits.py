"""What every input must satisfy (no Flask): text without NUL or lone surrogates, bounded numbers and depth."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

# ids, tiers and counters are 32-bit integer columns on PostgreSQL
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)
# numbers inside JSON documents (task data): beyond 2**53 they are not portable between JSON readers
MAX_JSON_INT = 2**53
MAX_JSON_DEPTH = 64
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# days a person may search or report on: far enough from year 1 and 9999 that a day's bounds in any time zone, the day
# after it and the comparison periods before it stay representable (beyond them Python's date arithmetic overflows)
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class InputRefused(ValueError):
    """An input that no route accepts; `field` names where it was."""

    def __init__(self, field: str, message: str) -> None:
        field = field.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\0")
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def text_problem(value: str) -> str | None:
    """Why a text is refused (NUL character, lone surrogate), or None."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "NUL characters (\\u0000) are not allowed"
    return "lone surrogates (invalid Unicode) are not allowed"


def check_text(field: str, value: str) -> None:
    """InputRefused if the text contains a NUL character or a lone surrogate."""
    problem = text_problem(value)
    if problem:
        raise InputRefused(field, problem)


def check_int(field: str, value: int, low: int = MIN_INT, high: int = MAX_INT) -> int:
    """The integer if it is within [low, high], else InputRefused."""
    if not low <= value <= high:
        raise InputRefused(field, f"must be between {low} and {high}")
    return value


def day_in_range(day: date) -> bool:
    """Whether a day lies within EARLIEST_DAY..LATEST_DAY."""
    return EARLIEST_DAY <= day <= LATEST_DAY


def moment_text_in_range(value: str) -> bool:
    """Whether an ISO date-time text lies within EARLIEST_DAY..LATEST_DAY (text that is no ISO date-time passes:
    whether it is one is the format check's question)."""
    try:
        day = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return True
    return day_in_range(day)


def check_json(value: Any) -> None:
    """Walk a parsed JSON document: depth, text (keys too) and integer range; InputRefused on the first problem."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputRefused(path, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, str):
            check_text(path, item)
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            check_int(path, item, -MAX_JSON_INT, MAX_JSON_INT)
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(f"{path}.{key}" if path else "(key)", key)
                stack.append((child, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
