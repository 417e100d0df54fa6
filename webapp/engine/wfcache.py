"""Restored workflows kept in memory between calls, so a completion does not rebuild the one it just saved."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow

from webapp.engine.serializer import State, load_state


class WorkflowCache:
    """An LRU of workflows by instance id, each valid only for the exact stored state it was dumped as.

    A caller *takes* a workflow (it leaves the cache, so no two threads ever share one) and *puts* it back after
    a successful call together with the state text it stored. A state that differs from the one the workflow was
    saved as (another process wrote a newer version, the transaction was rolled back, a repair rewrote it) or
    another spec object (a new deployment, a migration) is a miss: the workflow is restored from the state.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[State, Any, BpmnWorkflow]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def take(self, key: str, state: State, spec: Any) -> BpmnWorkflow | None:
        """The cached workflow of `key` if it was saved as exactly `state` with `spec` (removed from the cache)."""
        with self._lock:
            item = self._items.pop(key, None)
        if item is not None and item[1] is spec and item[0] == state:
            self.hits += 1
            return item[2]
        self.misses += 1
        return None

    def put(self, key: str, state: State, spec: Any, workflow: BpmnWorkflow) -> None:
        """Keep `workflow`, whose stored form is `state`, for the next call on `key`."""
        if self.size <= 0 or not key:
            return
        with self._lock:
            self._items[key] = (state, spec, workflow)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every workflow."""
        with self._lock:
            self._items.clear()


CACHE = WorkflowCache(256)  # instances a process keeps restored (app start: setting WORKFLOW_CACHE)


def configure(size: int) -> None:
    """Set how many restored workflows the process keeps (0: none); forgets those it has."""
    CACHE.size = int(size)
    CACHE.clear()


def restore(key: str, state: State, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """The workflow of instance `key` saved as `state`: from the cache, or rebuilt from the state."""
    cached = CACHE.take(key, state, spec)
    if cached is not None:
        return cached
    return load_state(state, spec, subprocess_specs)
