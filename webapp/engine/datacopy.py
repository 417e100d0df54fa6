"""Task data copied in and out of sub-processes without `copy.deepcopy`'s generic machinery.

SpiffWorkflow 3.2 deep-copies the whole task data when an embedded sub-process starts and when it or a called
process ends (bpmn/specs/mixins/subworkflow_task.py). Task data is JSON-like (our sandbox lets scripts leave
nothing else), and `deepcopy` spends most of its time dispatching on types and keeping its memo for that. This
copy walks plain dicts and lists itself, keeps atomic values (as `deepcopy` does) and hands anything else to
`deepcopy` with the same memo, so the result is the one `deepcopy` gives: equal, no container shared with the
original, a container seen twice copied once.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins import subworkflow_task

_ATOMIC = frozenset({str, int, float, bool, type(None), bytes, complex})


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
    """Let SpiffWorkflow's sub-process data copies use `plain_deepcopy`, process-wide."""
    subworkflow_task.deepcopy = plain_deepcopy  # type: ignore[attr-defined]
