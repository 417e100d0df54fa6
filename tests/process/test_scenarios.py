"""Run the owners' JSON scenarios of processes/tests/ (see tests/process/scenarios.py for the format)."""

from __future__ import annotations

import pytest

from tests.process.scenarios import Scenario, run, scenarios

ALL = scenarios()


def test_there_are_scenarios() -> None:
    assert len(ALL) >= 8
    assert {s.path.parent.name for s in ALL} >= {"inquiry", "grievance", "rescue", "new_failure"}
    assert "grievance/story_1_rude_staff_six_steps_closed" in {s.name for s in ALL}


@pytest.mark.parametrize("scenario", ALL, ids=[s.name for s in ALL])
def test_scenario(scenario: Scenario) -> None:
    run(scenario)
