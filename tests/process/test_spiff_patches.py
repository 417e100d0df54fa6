"""The engine's process-wide SpiffWorkflow patches (webapp/engine/quietlog.py, datacopy.py, scripting.validate,
walk._caller, runtime._is_completed) behave as SpiffWorkflow's own code on every owner scenario of the pack."""

from __future__ import annotations

import ast
import copy
import logging
from datetime import UTC, date, datetime
from typing import Any

import pytest
from SpiffWorkflow import Workflow
from SpiffWorkflow.bpmn.specs.mixins import subworkflow_task
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.task import Task

from tests.process.scenarios import run, scenarios
from webapp.engine import cow, datacopy, quietlog, walk
from webapp.engine.scripting import ClosedScriptEngine

ALL = scenarios()


def _containers(value: Any) -> list[int]:
    """Ids of every dict and list inside `value`."""
    found: list[int] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(id(item))
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            found.append(id(item)) if isinstance(item, list) else None
            stack.extend(item)
    return found


def test_subprocess_data_is_deepcopys_and_what_both_sides_share_never_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """An embedded sub-process's start and a task taking back a sub-process's data get what Spiff's deep copy gives;
    they share the nested values (webapp/engine/cow.py), and no shared list or dict is ever changed in place after.
    plain_deepcopy (left for other data and named outputs) is checked against deepcopy on the same data."""
    assert subworkflow_task.deepcopy is datacopy.plain_deepcopy  # type: ignore[attr-defined]
    assert subworkflow_task.SubWorkflowTask.copy_data is cow._sub_copy_data
    assert subworkflow_task.SubWorkflowTask.update_data is cow._sub_update_data
    assert subworkflow_task.CallActivity.update_data is cow._call_update_data
    shared: list[tuple[Any, Any]] = []  # (a nested value both sides hold, a deep copy of it when handed over)
    seen = {"start": 0, "end": 0, "shared": 0}

    def expected(value: dict[str, Any]) -> dict[str, Any]:
        ours, theirs = datacopy.plain_deepcopy(value), copy.deepcopy(value)
        assert ours == theirs and type(ours) is type(theirs)
        assert not set(_containers(ours)) & set(_containers(value))
        return theirs

    def handed(giver: dict[str, Any], taker: dict[str, Any]) -> None:
        shared.extend((v, copy.deepcopy(v)) for k, v in giver.items()
                      if taker.get(k) is v and isinstance(v, dict | list))

    def copy_checked(self: Any, my_task: Any, subworkflow: Any) -> None:
        wanted = expected(my_task.data)
        cow._sub_copy_data(self, my_task, subworkflow)
        start = subworkflow.get_next_task(spec_name="Start")
        assert {key: start.data[key] for key in wanted} == wanted
        handed(my_task.data, start.data)
        seen["start"] += 1

    def update_checked(original: Any) -> Any:
        def checked(self: Any, my_task: Any, subworkflow: Any) -> None:
            last = subworkflow.last_task
            wanted = expected(last.data)
            original(self, my_task, subworkflow)
            assert my_task.data == wanted
            handed(last.data, my_task.data)
            seen["end"] += 1
        return checked

    monkeypatch.setattr(subworkflow_task.SubWorkflowTask, "copy_data", copy_checked)
    monkeypatch.setattr(subworkflow_task.SubWorkflowTask, "update_data", update_checked(cow._sub_update_data))
    monkeypatch.setattr(subworkflow_task.CallActivity, "update_data", update_checked(cow._call_update_data))
    for scenario in ALL:
        shared.clear()
        run(scenario)
        seen["shared"] += len(shared)
        changed = [before for value, before in shared if value != before]
        assert not changed, f"{scenario.name}: a shared value changed in place: {changed[:3]}"
    assert seen["start"] + seen["end"] > 10 and seen["end"] > 0 and seen["shared"] > 10, seen


def test_plain_deepcopy_keeps_deepcopys_sharing_and_hands_other_values_to_it() -> None:
    shared = {"a": [1, 2]}
    value = {"x": shared, "y": shared, "t": (shared, "s"), "d": datetime(2026, 1, 2, tzinfo=UTC),
             "day": date(2026, 1, 2), "n": None, "f": 1.5, "nested": [[{"k": True}]], 3: "int key"}
    ours, theirs = datacopy.plain_deepcopy(value), copy.deepcopy(value)
    assert ours == theirs
    assert ours["x"] is ours["y"] and ours["t"][0] is ours["x"] and ours["x"] is not shared
    assert ours["nested"][0][0] is not value["nested"][0][0]
    loop: list[Any] = [1]
    loop.append(loop)
    copied = datacopy.plain_deepcopy(loop)
    assert copied[1] is copied and copied is not loop


def test_merges_give_spiffs_result_on_every_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    from SpiffWorkflow.util.deep_merge import DeepMerge

    assert DeepMerge.merge is datacopy.merge
    seen = [0]

    def checked(a: Any, b: Any, path: Any = None) -> Any:
        before, theirs_in = copy.deepcopy(a), copy.deepcopy(b)
        ours = datacopy.merge(a, b)
        monkeypatch.setattr(DeepMerge, "merge", staticmethod(datacopy._spiff_merge))
        try:
            theirs = datacopy._spiff_merge(before, theirs_in)
        finally:
            monkeypatch.setattr(DeepMerge, "merge", staticmethod(checked))
        assert ours is a and ours == theirs
        seen[0] += 1
        return ours

    monkeypatch.setattr(DeepMerge, "merge", staticmethod(checked))
    for scenario in ALL:
        run(scenario)
    assert seen[0] > 100, seen  # joins and forms; a task taking its parent's data: tests/process/test_shared_data.py


@pytest.mark.parametrize(("a", "b"), [
    ({}, {"x": {"y": [1, {"z": 2}]}, "s": {1, 2}, "n": None}),
    ({"x": {"y": 1}, "l": [1, 2], "k": "old"}, {"x": {"z": 2}, "l": [1, 3], "k": "new", "d": {"e": []}}),
    ({"l": [{"a": 1}, 2]}, {"l": [{"b": 2}, 2, 3]}),
    ({"v": [1]}, {"v": {"now": "dict"}}),
])
def test_merge_is_spiffs_merge(a: dict[str, Any], b: dict[str, Any]) -> None:
    theirs = datacopy._spiff_merge(copy.deepcopy(a), copy.deepcopy(b))
    ours = datacopy.merge(a, b)
    assert ours == theirs
    for key, value in b.items():  # dicts, lists and sets that were not merged into are copies, as Spiff makes
        if isinstance(value, dict | list | set) and key in ours and ours[key] == value:
            assert ours[key] is not value


def _records(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str, str, str]]:
    """Spiff's records without what differs between two runs (ids, times)."""
    return [(r.name, r.levelname, r.getMessage(), str(getattr(r, "task_spec", "")), str(getattr(r, "state", "")))
            for r in caplog.records if r.name.startswith("spiff")]


def test_log_records_are_spiffs_own_when_its_loggers_are_enabled(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = next(s for s in ALL if "call" in s.name or "grievance" in s.name)
    caplog.set_level(logging.DEBUG, logger="spiff")
    run(scenario)
    ours = _records(caplog)
    extras = [r.__dict__ for r in caplog.records if r.name == "spiff.workflow"]
    caplog.clear()
    monkeypatch.setattr(Task, "_set_state", quietlog._spiff_set_state)
    monkeypatch.setattr(Workflow, "collect_log_extras", quietlog._workflow_extras)
    run(scenario)
    assert ours == _records(caplog) and len(ours) > 100
    assert extras and all("tasks" in e and "root" in e for e in extras)  # the whole-tree extras are still made


def test_no_log_extras_are_built_when_spiffs_loggers_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not logging.getLogger("spiff.task").isEnabledFor(logging.INFO)
    built = [0]
    original = Task.collect_log_extras

    def counted(self: Task, dct: dict[str, Any] | None = None) -> dict[str, Any]:
        built[0] += 1
        return original(self, dct)

    walked = [0]
    tasks = Workflow.get_tasks

    def counted_walk(self: Workflow, *args: Any, **kwargs: Any) -> list[Task]:
        walked[0] += not args and not kwargs
        return tasks(self, *args, **kwargs)

    monkeypatch.setattr(Task, "collect_log_extras", counted)
    monkeypatch.setattr(Workflow, "get_tasks", counted_walk)
    for scenario in ALL[:5]:
        run(scenario)
    assert built[0] == 0 and walked[0] == 0, (built, walked)


def test_validate_parses_as_spiffs_does() -> None:
    engine = ClosedScriptEngine.read_only()
    for text in ["a == 1", "'x'", "> 5", "v > 5", "in ['a', 'b']", "1 +", "", "x[", "\"unclosed"]:
        for _ in range(2):  # the second time from the cache, or parsed again when it failed
            try:
                ast.parse(text)
            except SyntaxError:
                with pytest.raises(SyntaxError):
                    engine.validate(text)
            else:
                engine.validate(text)


def test_remembered_called_processes_are_those_spiff_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = [0]
    called_from = walk._called_from

    def checked(workflow: Any, top: Any) -> list[Any]:
        found = called_from(workflow, top)

        def below(sp: BpmnSubWorkflow) -> bool:
            current = sp
            while current is not top:
                current = current.parent_workflow
                if current is workflow:
                    return True
            return False

        assert found == [sp for sp in top.subprocesses.values() if sp is not workflow and below(sp)]
        seen[0] += workflow is not top
        return found

    ready = walk.ready_tasks

    def looked_up(workflow: Any, manual: bool | None = None) -> list[Any]:
        if workflow is not workflow.top_workflow:  # ready_tasks asks only when a task of another process is ready:
            walk._called_from(workflow, workflow.top_workflow)  # check the memo on every look-up from a called one
        return ready(workflow, manual)

    monkeypatch.setattr(walk, "_called_from", checked)
    monkeypatch.setattr(walk, "ready_tasks", looked_up)
    for scenario in ALL:
        run(scenario)
    assert seen[0] > 100, seen


def test_completion_check_is_spiffs_on_every_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    from SpiffWorkflow.util.task import TaskIterator, TaskState

    from webapp.engine import runtime

    seen = {True: 0, False: 0}
    ours = runtime._is_completed

    def checked(wf: Any) -> bool:
        spiff = bool(wf.completed) or next(TaskIterator(wf.task_tree, state=TaskState.NOT_FINISHED_MASK), None) is None
        answer = ours(wf)
        assert answer == spiff and bool(wf.completed) == spiff  # the answer, and the flag Spiff leaves set
        seen[answer] += 1
        return answer

    monkeypatch.setattr(runtime, "_is_completed", checked)
    for scenario in ALL:
        run(scenario)
    assert seen[True] > 5 and seen[False] > 50, seen


def test_a_merged_parent_s_nested_lists_and_dicts_are_not_shared_with_the_child() -> None:
    parent = {"a": {"b": [1, {"c": [2]}]}, "l": [[3]], "s": {4}}
    child = datacopy.merge({}, parent)
    later = datacopy.merge({"a": {"x": 1}}, {"l": [[3]], "n": {"m": [5]}})
    assert child == parent and later == {"a": {"x": 1}, "l": [[3]], "n": {"m": [5]}}
    child["a"]["b"].append(9)
    child["a"]["b"][1]["c"].append(9)
    child["l"][0].append(9)
    assert parent == {"a": {"b": [1, {"c": [2]}]}, "l": [[3]], "s": {4}}  # a script in the child changed only it
    assert child["s"] is not parent["s"]
