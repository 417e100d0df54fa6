"""A deadline clock's duration in words, read from the clock itself (never from a label): 'PT4H' -> '4 h'."""

from __future__ import annotations

import re

from flask_babel import gettext

_ISO = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_UNTIL = re.compile(r"PT\d+S")  # a clock started with a due time (clock_start due=...) keeps its seconds left


def duration_words(duration: str | None, business_time: bool = False) -> str:
    """'PT4H' -> '4 h', 'P1DT2H' -> '1 d 2 h', 'EOD' -> 'same working day'; '' when none or not a stated duration."""
    text = (duration or "").strip().upper()
    if text in ("EOD", "END_OF_DAY"):
        return gettext("same working day")
    match = _ISO.fullmatch(text)
    if not text or match is None or text in ("P", "PT") or _UNTIL.fullmatch(text):
        return ""
    units = (gettext("%(n)s yr"), gettext("%(n)s mo"), gettext("%(n)s wk"), gettext("%(n)s d"),
             gettext("%(n)s h"), gettext("%(n)s min"), gettext("%(n)s s"))
    parts = [unit % {"n": int(value)} for unit, value in zip(units, match.groups(), strict=True)
             if value and int(value)]
    if not parts:
        return ""
    words = " ".join(parts)
    return gettext("%(duration)s of business time", duration=words) if business_time else words


def with_duration(name: str, duration: str | None, business_time: bool = False) -> str:
    """A clock's name followed by the duration it was started with ('T1 callback promised (4 h)'), or the name."""
    words = duration_words(duration, business_time)
    return gettext("%(name)s (%(duration)s)", name=name, duration=words) if words else name
