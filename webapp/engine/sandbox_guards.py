"""Runtime guards of the diagram-code sandbox: attribute access, size-capped operators and builtins, helpers."""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from webapp.engine import routing
from webapp.engine.clock import now as clock_now
from webapp.engine.durations import add_iso_duration

MAX_INT_BITS = 1 << 20  # about 315,000 decimal digits
MAX_CHARS = 10_000_000  # one str/bytes made by one operation
MAX_ITEMS = 1_000_000  # one list/tuple made by one operation, one range

BLOCKED_ATTRIBUTES = INSPECT_ATTRIBUTES | {
    "mro", "func_globals", "func_code", "gi_running", "format", "format_map", "translate", "maketrans",
}
_SEQUENCES = (str, bytes, list, tuple)


class SandboxViolation(ValueError):
    """Diagram code tried something the sandbox refuses (raised inside the script, reported as its error)."""


def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """getattr for diagram code: no private, frame, code, generator or format attributes, no modules or types."""
    if not isinstance(name, str) or name.startswith("_") or name in BLOCKED_ATTRIBUTES:
        raise SandboxViolation(f"attribute '{name}' is not available in diagram code")
    if isinstance(obj, type) and obj not in (str, bytes, dict, list, tuple, int, float, bool, set):
        raise SandboxViolation(f"attributes of '{obj.__name__}' are not available in diagram code")
    if type(obj).__name__ == "module":
        raise SandboxViolation("modules are not available in diagram code")
    if isinstance(obj, type) and name in _SIZED_STR_METHODS:
        raise SandboxViolation(f"call '{name}' on a value, not on the type")
    value = getattr(obj, name)
    if isinstance(obj, (str, bytes)) and name in _SIZED_STR_METHODS:
        return _SIZED_STR_METHODS[name](obj, value)
    return value


def _too_big(what: str) -> SandboxViolation:
    return SandboxViolation(f"{what} would be too large for diagram code (limit {MAX_CHARS:,} characters, "
                            f"{MAX_ITEMS:,} items, {MAX_INT_BITS:,} bits)")


def _check_len(result_len: int, like: Any) -> None:
    limit = MAX_CHARS if isinstance(like, (str, bytes)) else MAX_ITEMS
    if result_len > limit:
        raise _too_big(f"a {type(like).__name__} of {result_len:,} items")


def _pad(s: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def padded(width: int, *args: Any) -> Any:
        _check_len(int(width), s)
        return method(width, *args)
    return padded


def _expandtabs(s: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def expand(tabsize: int = 8) -> Any:
        _check_len(len(s) + s.count("\t" if isinstance(s, str) else b"\t") * max(0, int(tabsize)), s)
        return method(tabsize)
    return expand


def _join(s: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def join(items: Iterable[Any]) -> Any:
        parts = list(items)
        _check_len(sum(len(p) for p in parts) + len(s) * max(0, len(parts) - 1), s)
        return method(parts)
    return join


def _replace(s: Any, method: Callable[..., Any]) -> Callable[..., Any]:
    def replace(old: Any, new: Any, count: int = -1) -> Any:
        hits = s.count(old) + (1 if not old else 0)
        if count >= 0:
            hits = min(hits, count)
        _check_len(len(s) + hits * max(0, len(new) - len(old)), s)
        return method(old, new, count)
    return replace


_SIZED_STR_METHODS: dict[str, Callable[[Any, Callable[..., Any]], Callable[..., Any]]] = {
    "center": _pad, "ljust": _pad, "rjust": _pad, "zfill": _pad, "expandtabs": _expandtabs,
    "join": _join, "replace": _replace,
}


def _check_mul(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > MAX_INT_BITS:
            raise _too_big("an integer product")
    elif isinstance(a, _SEQUENCES) and isinstance(b, int):
        _check_len(len(a) * b, a)
    elif isinstance(b, _SEQUENCES) and isinstance(a, int):
        _check_len(len(b) * a, b)


def _check_pow(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if abs(a).bit_length() * b > MAX_INT_BITS:
            raise _too_big("a power")


def _check_shift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and a.bit_length() + b > MAX_INT_BITS:
        raise _too_big("a shifted integer")


def _check_add(a: Any, b: Any) -> None:
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _check_len(len(a) + len(b), a)


def _check_mod(a: Any, b: Any) -> None:
    if isinstance(a, (str, bytes)):
        raise SandboxViolation("%-formatting is not available in diagram code; use an f-string or +")


_BINOPS: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], None]]] = {
    "+": (operator.add, _check_add), "*": (operator.mul, _check_mul), "**": (operator.pow, _check_pow),
    "<<": (operator.lshift, _check_shift), "%": (operator.mod, _check_mod),
}
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "-=": operator.sub, "/=": operator.truediv, "//=": operator.floordiv, ">>=": operator.rshift,
    "&=": operator.and_, "|=": operator.or_, "^=": operator.xor, "@=": operator.matmul,
}


def guarded_binop(op: str, a: Any, b: Any) -> Any:
    """a <op> b for the operators that can build huge values in one C call, refused past the size limits."""
    if type(a) is int and type(b) is int and op == "+":
        return a + b
    fn, check = _BINOPS[op]
    check(a, b)
    return fn(a, b)


def guarded_inplace(op: str, a: Any, b: Any) -> Any:
    """a <op>= b (RestrictedPython's _inplacevar_), with the same limits as the plain operators."""
    plain = op[:-1]
    if plain in _BINOPS:
        return guarded_binop(plain, a, b)
    return _INPLACE[op](a, b)


def capped_range(*args: int) -> range:
    """range() with at most MAX_ITEMS items (so sum(range(10**12)) cannot run for hours in one C call)."""
    r = range(*args)
    try:
        n = len(r)
    except OverflowError:
        n = MAX_ITEMS + 1
    if n > MAX_ITEMS:
        raise _too_big(f"a range of {r.start}..{r.stop}")
    return r


def _apply(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)


# -- plain helper functions offered to diagram code (no module objects) ---------------------------------

def now() -> str:
    """The engine clock's current moment as an ISO-8601 string (UTC)."""

    return datetime.fromtimestamp(clock_now().timestamp(), UTC).isoformat()


def add_duration(moment: str, duration: str) -> str:
    """An ISO moment plus an ISO-8601 duration ('P3D', 'PT4H'), as an ISO string."""

    return add_iso_duration(datetime.fromisoformat(moment), duration).isoformat()


def hours_between(a: str, b: str) -> float:
    """Hours from ISO moment a to ISO moment b (negative if b is earlier)."""
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 3600


def days_between(a: str, b: str) -> float:
    """Days from ISO moment a to ISO moment b (negative if b is earlier)."""
    return hours_between(a, b) / 24


_PLAIN_BUILTINS = (
    "abs all any bool dict divmod enumerate filter float int isinstance len list map max min "
    "reversed round set sorted str sum tuple zip True False None "
    "Exception ArithmeticError LookupError ValueError KeyError IndexError TypeError ZeroDivisionError"
).split()
ALLOWED_EXCEPTIONS = frozenset(n for n in _PLAIN_BUILTINS if n.endswith(("Error", "Exception")))
SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in _PLAIN_BUILTINS}
SAFE_BUILTINS["range"] = capped_range

HELPERS: dict[str, Any] = {
    "now": now, "add_duration": add_duration, "hours_between": hours_between, "days_between": days_between,
    "floor": math.floor, "ceil": math.ceil, **routing.HELPERS,
}

RUNTIME_GUARDS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": full_write_guard,
    "_inplacevar_": guarded_inplace,
    "_binop_": guarded_binop,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_apply_": _apply,
}
