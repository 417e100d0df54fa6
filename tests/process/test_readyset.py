"""webapp/engine/readyset.py keeps exactly the READY tasks a scan of every process finds, on every engine look-up of
every owner scenario, scanning each workflow object once; walk.task_from_id finds what SpiffWorkflow's
`BpmnWorkflow.get_task_from_id` finds; and no engine step turns a task's attributes into a dict."""

from __future__ import annotations

import gc
from typing import Any
from uuid import uuid4

import pytest
from SpiffWorkflow import Workflow
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from tests.process.harness import Case, intake
from tests.process.scenarios import run, scenarios
from webapp.engine import quietlog, readyset, runtime, walk
from webapp.engine.serializer import load_state

ALL = scenarios()


def _scan(top: Any) -> set[int]:
    return {id(t) for wf in [top, *top.subprocesses.values()] for t in wf.tasks.values()
            if t._state == TaskState.READY}


def test_the_kept_ready_tasks_are_those_a_scan_finds_on_every_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {"look-ups": 0, "found": 0, "scans": 0, "tops": 0}
    ready, scan = readyset.ready, readyset.scan
    tops: set[int] = set()

    def checked(top: Any) -> list[Any]:
        found = ready(top)
        assert {id(t) for t in found} == _scan(top), top.spec.name
        assert len({id(t) for t in found}) == len(found)
        seen["look-ups"] += 1
        seen["found"] += bool(found)
        tops.add(id(top))
        return found

    def counted(top: Any) -> list[Any]:
        seen["scans"] += 1
        return scan(top)

    monkeypatch.setattr(readyset, "ready", checked)
    monkeypatch.setattr(readyset, "scan", counted)
    for scenario in ALL:
        run(scenario)
    seen["tops"] = len(tops)
    # one scan per workflow object (each restored or started one), not one per look-up
    assert seen["look-ups"] > 300 and seen["found"] > 100 and seen["scans"] == seen["tops"], seen


def test_a_task_set_ready_is_kept_once_the_top_has_been_looked_at() -> None:
    case = Case(intake(), process="complaint")
    wf = _workflow(case)
    readyset.ready(wf)
    task = next(t for t in wf.tasks.values() if t._state == TaskState.COMPLETED)
    assert task not in readyset.ready(wf)
    task._set_state(TaskState.READY)
    assert task in readyset.ready(wf)
    task._set_state(TaskState.COMPLETED)
    assert task not in readyset.ready(wf) and task not in wf._closeloop_ready  # dropped once not READY


def test_without_our_set_state_a_look_up_scans_and_keeps_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    case = Case(intake(), process="complaint")
    wf = _workflow(case)
    readyset.ready(wf)
    monkeypatch.setattr(Task, "_set_state", quietlog._set_state)
    task = next(t for t in wf.tasks.values() if t._state == TaskState.COMPLETED)
    task._set_state(TaskState.READY)  # not seen by readyset
    assert task in readyset.ready(wf) and wf._closeloop_ready is None
    task._set_state(TaskState.COMPLETED)


def test_task_look_up_by_id_is_spiffs_on_every_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    assert BpmnWorkflow.__dict__["get_task_from_id"] is walk.task_from_id  # installed
    seen = {"top": 0, "called": 0}

    def checked(self: Any, task_id: Any) -> Any:
        found = walk.task_from_id(self, task_id)
        assert found is _spiffs_own(self, task_id)
        seen["top" if task_id in self.tasks else "called"] += 1
        return found

    monkeypatch.setattr(BpmnWorkflow, "get_task_from_id", checked)
    for scenario in ALL:
        run(scenario)
    assert seen["top"] > 100 and seen["called"] > 100, seen
    wf = _workflow(Case(intake()))
    for unknown in (uuid4(), None, "x"):
        with pytest.raises(TaskNotFoundException):
            walk.task_from_id(wf, unknown)
        with pytest.raises(TaskNotFoundException):
            _spiffs_own(wf, unknown)


def _spiffs_own(wf: Any, task_id: Any) -> Any:
    """SpiffWorkflow 3.2's BpmnWorkflow.get_task_from_id, as it is written."""
    if task_id not in wf.tasks:
        for subprocess in wf.subprocesses.values():
            task = subprocess.get_task_from_id(task_id)
            if task is not None:
                return task
    return Workflow.get_task_from_id(wf, task_id)


def _workflow(case: Case) -> Any:
    """A fresh workflow object restored from the case's state."""
    assert case.outcome.state is not None
    return load_state(case.outcome.state, case.bundle.spec, case.bundle.subprocess_specs)


def _materialized(task: Any) -> bool:
    """Whether the task's attributes were turned into a dict (what reading `task.__dict__` does on Python 3.11)."""
    return any(type(r) is dict and "_parent" in r and "task_spec" in r for r in gc.get_referents(task))


def test_no_engine_step_turns_a_task_s_attributes_into_a_dict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11 keeps an object's attributes inline until its `__dict__` is read, and reads every attribute of
    it more slowly from then on; Spiff reads tasks' attributes all the time (webapp/engine/cow.py)."""
    seen = [0]
    describe = runtime.Engine._describe

    def checked(self: Any, wf: Any, acc: Any) -> Any:
        for process in [wf, *wf.subprocesses.values()]:
            for task in process.tasks.values():
                assert not _materialized(task), task.task_spec.name
                seen[0] += 1
        return describe(self, wf, acc)

    monkeypatch.setattr(runtime.Engine, "_describe", checked)
    for scenario in ALL:
        run(scenario)
    assert seen[0] > 1000, seen
    task = next(iter(_workflow(Case(intake())).tasks.values()))
    assert not _materialized(task)
    assert task.__dict__ and _materialized(task)  # what the check looks for
