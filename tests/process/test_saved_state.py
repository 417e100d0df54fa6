"""The saved state on the real pack: whole after every step, and after an administrator's reset into a finished step."""

from __future__ import annotations

import zlib

from tests.process import answers as a
from tests.process.harness import Case, intake
from webapp.engine.repair import RepairEngine
from webapp.engine.serializer import BINARY, dump_state, load_state, state_json


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
    from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter

    from webapp.engine.serializer import _SERIALIZER, _encode, _TaskConverter

    case = Case(intake())
    case.complete("prejudgement", **a.prejudgement())
    case.complete("fact_finding", **a.fact_finding())
    assert case.outcome.state is not None
    wf = load_state(case.outcome.state, case.bundle.spec, case.bundle.subprocess_specs)
    registry = _SERIALIZER.registry
    ours, spiffs = object.__new__(_TaskConverter), object.__new__(TaskConverter)  # not registered anywhere
    ours.registry = spiffs.registry = registry
    tasks = [*wf.tasks.values(), *(t for sp in wf.subprocesses.values() for t in sp.tasks.values())]
    assert len(tasks) > 50 and any(t.parent is None for t in tasks)
    for encoder_mode in (True, False):
        registry._encoder_mode = encoder_mode
        try:
            for _ in range(2):  # the second time with the id texts kept
                mine, theirs = [ours.to_dict(t) for t in tasks], [spiffs.to_dict(t) for t in tasks]
                assert mine == theirs and _encode(mine) == _encode(theirs)  # the same keys in the same order
        finally:
            registry._encoder_mode = False
