"""The saved state on the real pack: whole after every step, and after an administrator's reset into a finished step."""

from __future__ import annotations

from tests.process import answers as a
from tests.process.harness import Case, intake
from webapp.engine.repair import RepairEngine
from webapp.engine.serializer import load_state, state_json


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
