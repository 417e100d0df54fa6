"""The saved state on the real pack: whole after every step, and after an administrator's reset into a finished step."""

from __future__ import annotations

import json
import zlib
from typing import Any

import orjson

from tests.process import answers as a
from tests.process.harness import Case, intake
from webapp.engine.repair import RepairEngine
from webapp.engine.serializer import BINARY, dump_state, forget_finished, load_state, state_json


def _finished_subprocesses(case: Case) -> int:
    assert case.outcome.state is not None
    wf = load_state(case.outcome.state, case.bundle.spec, case.bundle.subprocess_specs)
    return sum(1 for sp in wf.subprocesses.values() if sp.completed)


def test_a_reset_back_into_a_finished_step_is_saved_in_full():
    case = Case(intake())
    case.complete("prejudgement", **a.prejudgement())
    case.complete("fact_finding", **a.fact_finding())
    case.complete("internal_facts", **a.internal_facts())
    assert _finished_subprocesses(case) >= 1  # the path has left finished sub-processes behind
    assert case.outcome.state is not None
    points = RepairEngine().reset_points(case.bundle, case.outcome.state)
    back = next(p for p in points if p.element == "fact_finding")
    case._take(RepairEngine().reset_to(case.bundle, case.outcome.state, back.task_id, case._ctx("admin")))
    assert case.open() == ["fact_finding"]
    case.complete("fact_finding", **a.fact_finding())
    case.complete("internal_facts", **a.internal_facts())  # each _take compared the saved state with a full save
    assert "responsibility_step" in case.open()
    assert case.outcome.state is not None
    assert state_json(case.outcome.state).count('"fact_finding"') >= 1


def test_a_state_saved_onto_its_finished_steps_is_one_zlib_stream_about_as_small_as_the_text_compressed():
    case = Case(intake())
    for spec, data in (("prejudgement", a.prejudgement()), ("fact_finding", a.fact_finding()),
                       ("internal_facts", a.internal_facts()), ("responsibility_step", a.responsibility())):
        case.complete(spec, **data)
        state = case.outcome.state
        assert isinstance(state, bytes) and state.startswith(BINARY)
        text = zlib.decompress(state[len(BINARY):]).decode()  # the finished steps' part was deflated saves ago
        restored = load_state(state, case.bundle.spec, case.bundle.subprocess_specs)
        assert state_json(dump_state(restored)) == text  # a workflow with nothing kept writes the same text
        assert len(state) <= 1.03 * len(zlib.compress(text.encode(), 6))  # a part per finished step costs ~1%
    assert _finished_subprocesses(case) >= 2


def test_each_task_is_converted_as_spiffs_own_task_converter_converts_it():
    from SpiffWorkflow.bpmn.serializer.default.workflow import (
        BpmnSubWorkflowConverter,
        TaskConverter,
        WorkflowConverter,
    )

    from webapp.engine.serializer import _SERIALIZER, _encode
    from webapp.engine.stateconvert import SavingTaskConverter, SubWorkflowConverter, workflow_dict

    case = Case(intake())
    case.complete("prejudgement", **a.prejudgement())
    case.complete("fact_finding", **a.fact_finding())
    assert case.outcome.state is not None
    wf = load_state(case.outcome.state, case.bundle.spec, case.bundle.subprocess_specs)
    registry = _SERIALIZER.registry
    ours, spiffs = object.__new__(SavingTaskConverter), object.__new__(TaskConverter)  # not registered anywhere
    ours.registry = spiffs.registry = registry
    tasks = [*wf.tasks.values(), *(t for sp in wf.subprocesses.values() for t in sp.tasks.values())]
    assert len(tasks) > 50 and any(t.parent is None for t in tasks)
    for encoder_mode in (True, False):
        registry._encoder_mode = encoder_mode
        try:
            for _ in range(2):  # the second time with the id texts kept
                mine, theirs = [ours.to_dict(t) for t in tasks], [spiffs.to_dict(t) for t in tasks]
                if encoder_mode:  # a task with no data is written as a root without data (read back the same)
                    theirs = [_no_data_as_ours(t, d) for t, d in zip(tasks, theirs, strict=True)]
                assert mine == theirs and _encode(mine) == _encode(theirs)  # the same keys in the same order
                spiffs_json = json.dumps(theirs, cls=_SERIALIZER._encoder_cls)  # what Spiff's serializer writes
                assert orjson.loads(_encode(mine)) == json.loads(_encode(mine)) == json.loads(spiffs_json)
                top = object.__new__(WorkflowConverter)  # whole workflows, their tasks converted inline
                sub, our_sub = object.__new__(BpmnSubWorkflowConverter), object.__new__(SubWorkflowConverter)
                top.registry = sub.registry = our_sub.registry = registry
                pairs = [(our_sub.to_dict(sp), sub.to_dict(sp)) for sp in wf.subprocesses.values()]
                if encoder_mode:  # the top workflow's converter calls workflow_dict when saving only
                    pairs.append((workflow_dict(registry, wf), top.to_dict(wf)))
                for mine_wf, theirs_wf in pairs:  # (Spiff's workflow converters convert tasks by the registry)
                    assert mine_wf == theirs_wf and _encode(mine_wf) == _encode(theirs_wf)
        finally:
            registry._encoder_mode = False


def _no_data_as_ours(task: Any, dct: dict[str, Any]) -> dict[str, Any]:
    """Spiff's dict of a task, with no data written as our converter writes it: no delta (not one deleting each of
    its parent's keys)."""
    if task.parent is None or task.data:
        return dct
    assert dct["delta"]["deletions"] == list(task.parent.data) and not dct["delta"]["updates"]
    return {**dct, "delta": {}}


def test_every_task_reads_back_with_the_data_it_had():
    case = Case(intake())
    for spec, data in (("prejudgement", a.prejudgement()), ("fact_finding", a.fact_finding()),
                       ("internal_facts", a.internal_facts()), ("responsibility_step", a.responsibility())):
        case.complete(spec, **data)
        assert case.outcome.state is not None
        wf = load_state(case.outcome.state, case.bundle.spec, case.bundle.subprocess_specs)
        before = {t.id: t for w in (wf, *wf.subprocesses.values()) for t in w.tasks.values()}
        assert any(t.parent is not None and not t.data and t.parent.data for t in before.values())
        forget_finished(wf)
        back = load_state(dump_state(wf), case.bundle.spec, case.bundle.subprocess_specs)
        after = {t.id: t for w in (back, *back.subprocesses.values()) for t in w.tasks.values()}
        assert after.keys() == before.keys()
        for task_id, task in before.items():
            got = after[task_id]
            assert got.data == task.data and got.internal_data == task.internal_data and got.state == task.state
            assert (got._parent, got._children, got.last_state_change, got.triggered, got.task_spec) == (
                task._parent, task._children, task.last_state_change, task.triggered, task.task_spec)
        waiting = wf.top_workflow.event_manager.tasks
        assert back.top_workflow.event_manager.tasks.keys() == waiting.keys()


def test_a_state_orjson_wrote_in_full_says_so_and_one_with_a_value_orjson_refuses_reads_back_exactly():
    from webapp.engine.serializer import _ORJSON_MEMBER

    case = Case(intake())
    for spec, data in (("prejudgement", a.prejudgement()), ("fact_finding", a.fact_finding()),
                       ("internal_facts", a.internal_facts())):
        case.complete(spec, **data)
    state = case.outcome.state
    assert isinstance(state, bytes)
    text = zlib.decompress(state[len(BINARY):])
    assert text.endswith(_ORJSON_MEMBER) and orjson.loads(text) == json.loads(text)  # read with orjson
    bundle = case.bundle
    for odd, saved_as in ((2**70, 2**70), (-(2**64), -(2**64)), ("\ud800", "\ud800"), ({1: "a"}, {"1": "a"})):
        for where in ("running", "finished"):
            wf = load_state(state, bundle.spec, bundle.subprocess_specs)
            if where == "running":
                task = wf.task_tree  # the root: its data is written in full
            else:
                forget_finished(wf)
                done = next(sp for sp in wf.subprocesses.values() if sp.completed)
                task = done.task_tree
            task.data["odd"] = odd
            dumped = dump_state(wf)
            assert not zlib.decompress(dumped[len(BINARY):]).endswith(_ORJSON_MEMBER)  # json.dumps wrote a part
            back = load_state(dumped, bundle.spec, bundle.subprocess_specs)
            found = back.task_tree if where == "running" else back.subprocesses[task.workflow.parent_task_id].task_tree
            assert found.data["odd"] == saved_as and type(found.data["odd"]) is type(saved_as)  # 2**70 no float
            again, before = json.loads(state_json(dump_state(back))), json.loads(state_json(dumped))
            again.pop("writer", None)  # {1: "a"} reads back as {"1": "a"}, which orjson writes
            assert again == before
