"""Task data copied and merged without `copy`'s generic machinery.

Joins, forms and multi-instance tasks merge data through `DeepMerge.merge` (util/deep_merge.py), which re-reads
each value several times and copies dicts and lists through `copy.copy`; `merge` below takes the same steps in
the same order with less overhead (a task taking its parent's data no longer merges: webapp/engine/cow.py). And
SpiffWorkflow 3.2 deep-copies the whole task data when an embedded sub-process starts and when it or a called
process ends (bpmn/specs/mixins/subworkflow_task.py; webapp/engine/cow.py shares plain dicts there instead, so this
copy is left for other data and named data outputs). Task data is JSON-like (our sandbox lets scripts leave
nothing else), and `deepcopy` spends most of its time dispatching on types and keeping its memo for that. This
copy walks plain dicts and lists itself, keeps atomic values (as `deepcopy` does) and hands anything else to
`deepcopy` with the same memo, so the result is the one `deepcopy` gives: equal, no container shared with the
original, a container seen twice copied once.
"""

from __future__ import annotations

from copy import copy, deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins import subworkflow_task
from SpiffWorkflow.util.deep_merge import DeepMerge

ATOMIC = frozenset({str, int, float, bool, type(None), bytes, complex})
_spiff_merge = DeepMerge.merge


def merge(a: Any, b: Any, path: list[str] | None = None) -> Any:
    """`DeepMerge.merge`: merge `b` into `a` and return `a` (dicts merged, lists merged item by item, any other
    value of `b` that `a` lacks or holds differently put in `a`, a dict or list as a deep copy, a set shallow).
    Only `a` itself changes: a dict or list nested in it that takes something of `b` is replaced by a merged copy
    (with copy-on-write task data it may be another task's too)."""
    if not a and type(a) is dict and type(b) is dict:  # a task taking its parent's data: every key is new
        a.update(b)  # in b's order; then each dict, list or set in place of itself, a copy
        for key, value in a.items():
            cls = type(value)
            if cls not in ATOMIC:
                a[key] = _fresh(value)
        return a
    for key in b:
        value = b[key]
        if key in a:
            current = a[key]
            if current is value or current == value:  # `is`: what == says of one object, without comparing
                continue
            if isinstance(current, dict) and isinstance(value, dict):  # merged into a copy: `current` may be
                a[key] = merge(_shallow(current), value, [*(path or []), str(key)])  # shared (webapp/engine/cow.py)
                continue
            if isinstance(current, list) and isinstance(value, list):
                a[key] = merge_array(_shallow(current), value, [*(path or []), str(key)])
                continue
        a[key] = value if type(value) in ATOMIC else _fresh(value)
    return a


def merge_array(a: list[Any], b: list[Any], path: list[str] | None = None) -> list[Any]:
    """`DeepMerge.merge_array` into `a` (a copy the caller made), returning it: each dict of `b` merged into a copy
    of the item at its index (or appended), any other item of `b` appended unless `a` holds it already, and `a`
    cut to the length of `b`."""
    seen_hashable: set[Any] = set()
    seen_unhashable: list[Any] = []
    for item in a:
        try:
            seen_hashable.add(item)
        except TypeError:
            seen_unhashable.append(item)
    for idx, val in enumerate(b):
        if isinstance(val, dict):
            if len(a) > idx:
                a[idx] = DeepMerge.merge(_shallow(a[idx]), val, [*(path or []), str(idx)])
            else:
                a.append(val)
            continue
        try:
            if val in seen_hashable:
                continue
            seen_hashable.add(val)
        except TypeError:
            if val in seen_unhashable:
                continue
            seen_unhashable.append(val)
        a.append(val)
    del a[len(b):]  # as Spiff does: no longer than `b`
    return a


def _shallow(value: Any) -> Any:
    """A dict or list as a new container holding the same items; any other value itself."""
    cls = type(value)
    if cls is dict or cls is list:
        return value.copy()
    return copy(value) if isinstance(value, dict | list) else value


def _fresh(value: Any) -> Any:
    """What `DeepMerge.merge` puts in, but a plain dict or list copied all the way down (a child task changing a
    nested list in place must not change its finished parent's data, as it cannot once the state is restored); a
    set as a shallow copy, any other value itself."""
    cls = type(value)
    if cls is dict or cls is list:
        return plain_deepcopy(value)
    if cls is set:
        return value.copy()
    return copy(value) if isinstance(value, dict | list | set) else value


def plain_deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """`copy.deepcopy(value)` (same result), quicker on dicts and lists of plain values."""
    if memo is None:
        memo = {}
    cls = type(value)
    if cls in ATOMIC:
        return value
    if cls is dict:
        found = memo.get(id(value))
        if found is None:
            found = memo[id(value)] = {}
            _keep_alive(value, memo)
            for key, item in value.items():
                found[key if type(key) in ATOMIC else plain_deepcopy(key, memo)] = (
                    item if type(item) in ATOMIC else plain_deepcopy(item, memo))
        return found
    if cls is list:
        found = memo.get(id(value))
        if found is None:
            found = memo[id(value)] = []
            _keep_alive(value, memo)
            found.extend(item if type(item) in ATOMIC else plain_deepcopy(item, memo) for item in value)
        return found
    return deepcopy(value, memo)


def _keep_alive(value: Any, memo: dict[int, Any]) -> None:
    """What `copy._keep_alive` does: hold the original so its id is not reused while the memo lives."""
    try:
        memo[id(memo)].append(value)
    except KeyError:
        memo[id(memo)] = [value]


def install() -> None:
    """Let SpiffWorkflow's data merges use `merge` and its sub-process data copies `plain_deepcopy`, process-wide."""
    DeepMerge.merge = staticmethod(merge)  # type: ignore[assignment,method-assign]
    subworkflow_task.deepcopy = plain_deepcopy  # type: ignore[attr-defined]
