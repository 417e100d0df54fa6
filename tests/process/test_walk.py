"""webapp/engine/walk.py finds exactly the tasks SpiffWorkflow's whole-tree walks find, in the same order, on
every engine step of every owner scenario of the pack (reopen loops, called processes, timers, boundary events)."""

from __future__ import annotations

from typing import Any

import pytest
from SpiffWorkflow import Workflow
from SpiffWorkflow.util.task import TaskIterator, TaskState

from tests.process.scenarios import run, scenarios
from webapp.engine import runtime, walk

ALL = scenarios()


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Compare every ready/waiting look-up of the engine with SpiffWorkflow's own walk; count the look-ups."""
    seen = {"ready": 0, "waiting": 0, "ordered": 0}
    ready, update = walk.ready_tasks, walk.update_waiting_tasks

    def ready_checked(workflow: Any, manual: bool | None = None) -> list[Any]:
        found = ready(workflow, manual)
        spiff = [t for t in workflow.get_tasks(state=TaskState.READY) if manual is None or t.task_spec.manual == manual]
        assert [t.id for t in found] == [t.id for t in spiff], workflow.spec.name
        seen["ready"] += 1
        seen["ordered"] += len(found) > 1
        return found

    def update_checked(workflow: Any) -> None:
        waiting = [t for t in workflow.tasks.values() if t._state == TaskState.WAITING]
        spiff = list(TaskIterator(workflow.task_tree, state=TaskState.WAITING))
        assert [t.id for t in walk._in_walk_order(waiting, workflow, descend=False)] == [t.id for t in spiff]
        seen["waiting"] += 1
        seen["ordered"] += len(spiff) > 1
        update(workflow)

    monkeypatch.setattr(walk, "ready_tasks", ready_checked)
    monkeypatch.setattr(runtime, "ready_tasks", ready_checked)
    monkeypatch.setattr(Workflow, "update_waiting_tasks", update_checked)
    return seen


def test_ready_and_waiting_tasks_are_found_in_spiffworkflows_order_in_every_scenario(checked: dict[str, int]) -> None:
    for scenario in ALL:
        run(scenario)
    assert checked["ready"] > 100 and checked["waiting"] > 100 and checked["ordered"] > 20, checked
