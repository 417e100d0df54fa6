"""Task data copied and merged without `copy`'s generic machinery.

Every task that becomes ready takes its parent's data through `DeepMerge.merge` (util/deep_merge.py), which
re-reads each value several times and copies dicts and
lists through `copy.copy`; `merge` below takes the same steps in the same order with less overhead. And
SpiffWorkflow 3.2 deep-copies the whole task data when an embedded sub-process starts and when it or a called
process ends (bpmn/specs/mixins/subworkflow_task.py). Task data is JSON-like (our sandbox lets scripts leave
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

_ATOMIC = frozenset({str, int, float, bool, type(None), bytes, complex})
_spiff_merge = DeepMerge.merge


def merge(a: Any, b: Any, path: list[str] | None = None) -> Any:
    """`DeepMerge.merge`: merge `b` into `a` and return `a` (dicts merged, lists merged item by item, any other
    value of `b` that `a` lacks or holds differently put in `a`, a dict or list as a deep copy, a set shallow)."""
    if not a and type(a) is dict and type(b) is dict:  # a task taking its parent's data: every key is new
        a.update(b)  # in b's order; then each dict, list or set in place of itself, a copy
        for key, value in a.items():
            cls = type(value)
            if cls not in _ATOMIC:
                a[key] = _fresh(value)
        return a
    for key in b:
        value = b[key]
        if key in a:
            current = a[key]
            if current is value or current == value:  # `is`: what == says of one object, without comparing
                continue
            if isinstance(current, dict) and isinstance(value, dict):
                merge(current, value, [*(path or []), str(key)])
                continue
            if isinstance(current, list) and isinstance(value, list):
                DeepMerge.merge_array(current, value, [*(path or []), str(key)])
                continue
        a[key] = value if type(value) in _ATOMIC else _fresh(value)
    return a


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
    if cls in _ATOMIC:
        return value
    if cls is dict:
        found = memo.get(id(value))
        if found is None:
            found = memo[id(value)] = {}
            _keep_alive(value, memo)
            for key, item in value.items():
                found[key if type(key) in _ATOMIC else plain_deepcopy(key, memo)] = (
                    item if type(item) in _ATOMIC else plain_deepcopy(item, memo))
        return found
    if cls is list:
        found = memo.get(id(value))
        if found is None:
            found = memo[id(value)] = []
            _keep_alive(value, memo)
            found.extend(item if type(item) in _ATOMIC else plain_deepcopy(item, memo) for item in value)
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
