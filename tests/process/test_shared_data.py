"""Copy-on-write task data (webapp/engine/cow.py) on every owner scenario of the pack: each task takes the data
Spiff's own deep-copying inheritance gives it, and no task's data changes once a child has taken it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from tests.process.scenarios import run, scenarios
from webapp.engine import cow, datacopy


def test_inherited_data_is_spiffs_and_a_parent_s_data_never_changes_after(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Task._inherit_data is cow.inherit_data
    taken: dict[int, tuple[Any, dict[str, Any]]] = {}  # id(parent) -> (parent, its data when a child took it)
    seen = [0]

    def checked(self: Task) -> None:
        parent = self.parent
        expected = datacopy._spiff_merge(copy.deepcopy(self.data), copy.deepcopy(parent.data))
        if parent.has_state(TaskState.COMPLETED) and id(parent) not in taken:
            taken[id(parent)] = (parent, copy.deepcopy(parent.data))
        cow.inherit_data(self)
        assert self.data == expected
        seen[0] += 1

    monkeypatch.setattr(Task, "_inherit_data", checked)
    for scenario in scenarios():
        taken.clear()
        run(scenario)
        changed = [p.task_spec.name for p, before in taken.values() if p.data != before]
        assert not changed, f"{scenario.name}: data changed after a child took it: {changed}"
    assert seen[0] > 500, seen
