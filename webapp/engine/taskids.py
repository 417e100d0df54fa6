"""New task ids made without a system call and `uuid.UUID.__init__`'s general argument handling for each.

SpiffWorkflow 3.2 gives every task it makes (a few dozen per completion on the real pack) `uuid.uuid4()`, which
reads 16 random bytes from the kernel and passes them through `UUID.__init__`, the constructor for every form of
UUID (hex, bytes, fields, int, version checks). `uuid4` below reads `os.urandom` 4 KB at a time (256 ids), sets
the same version and variant bits as `UUID(bytes=..., version=4)` and fills the two slots that constructor fills:
the same kind of object, with the same value, text, hash and equality. Ids are taken from a deque (`popleft` is
atomic, so two threads never get the same one) and a forked child drops the ids its parent read, so no two
processes hand out the same one.
"""

from __future__ import annotations

import os
from collections import deque
from uuid import UUID, SafeUUID

from SpiffWorkflow import task as spiff_task

_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))  # variant and version bits, cleared as UUID(version=4) does
_SET = (0x8000 << 48) | (4 << 76)  # RFC 4122 variant, version 4
_BATCH = 256
_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown
_values: deque[int] = deque()


def _refill() -> None:
    raw = os.urandom(16 * _BATCH)
    _values.extend(int.from_bytes(raw[i:i + 16], "big") & _CLEAR | _SET for i in range(0, len(raw), 16))


def uuid4() -> UUID:
    """`uuid.uuid4()`: a random (version 4) UUID from 16 bytes of `os.urandom`."""
    while True:
        try:
            number = _values.popleft()
            break
        except IndexError:
            _refill()
    value = _new(UUID)
    _set(value, "int", number)
    _set(value, "is_safe", _UNKNOWN)
    return value


os.register_at_fork(after_in_child=_values.clear)


def install() -> None:
    """Let SpiffWorkflow's new tasks take their ids from `uuid4`, process-wide."""
    spiff_task.uuid4 = uuid4  # type: ignore[attr-defined]
