"""A step's CPU budget counts the step's own work, not the garbage collections that happen to run in its thread."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from webapp.engine import budget


@pytest.fixture()
def short_budget() -> Iterator[None]:
    """A 0.2 s CPU budget for the test, the usual one after it."""
    before = budget.limits()
    budget.configure(cpu_seconds=0.2)
    yield
    budget.configure(before.cpu_seconds, before.memory_bytes / (1024 * 1024))


def _burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_a_collection_inside_a_step_does_not_count_against_its_budget(short_budget: None) -> None:
    """0.4 s spent inside a (simulated) collection: no overrun; the same 0.4 s as the step's own work: overrun."""
    with budget.step_budget():
        budget._gc_pause("start", {})
        _burn(0.4)  # the watchdog looks on while the thread collects, and waits
        budget._gc_pause("stop", {})
        _burn(0.05)
    with pytest.raises(budget.Overrun, match="time budget"), budget.step_budget():
        _burn(0.4)


def test_a_real_collection_is_registered_with_the_garbage_collector() -> None:
    """The pause accounting is installed in gc.callbacks at import."""
    import gc

    assert budget._gc_pause in gc.callbacks
