"""Owners' scenario tests: JSON files beside the diagrams (processes/tests/<process>/*.json), run on the pack.

A scenario gives the start data (merged into a registered case's data), the steps (`{"complete": task,
"data": {...}}` submits that task's form, validated like the server does; `{"wait": "PT3H"}` moves the clock
and fires due timers) and what to expect: `path` (the people's tasks in the order they opened), `open` (tasks
open at the end), `status`, `case` (case columns and record entries), `notices` (templates sent, with
`template` or `template -> recipient`), `events` (timeline kinds that must occur) and `not_notices`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.process.harness import ROOT, Case, intake
from webapp.engine import clock
from webapp.engine.durations import duration_delta

SCENARIOS = ROOT / "processes" / "tests"
KEYS = {"description", "process", "start", "steps", "expect"}
EXPECT = {"path", "open", "status", "case", "notices", "not_notices", "events"}


@dataclass
class Scenario:
    """One scenario file."""

    path: Path
    body: dict[str, Any]

    @property
    def name(self) -> str:
        """process/file name, for the test id."""
        return f"{self.path.parent.name}/{self.path.stem}"


def scenarios() -> list[Scenario]:
    """Every scenario file, checked for unknown keys (a typo must not pass silently)."""
    found = []
    for path in sorted(SCENARIOS.glob("*/*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        unknown = (set(body) - KEYS) | (set(body.get("expect", {})) - EXPECT)
        assert not unknown, f"{path}: unknown keys {sorted(unknown)}"
        found.append(Scenario(path, body))
    return found


def run(scenario: Scenario) -> None:
    """Run one scenario and assert what it expects."""
    body = scenario.body
    case = Case(intake(**body.get("start", {})), process=body.get("process", "complaint"))
    path = list(case.open())
    for number, step in enumerate(body.get("steps", []), 1):
        where = f"{scenario.name} step {number}"
        if "complete" in step:
            assert step["complete"] in case.open(), f"{where}: '{step['complete']}' is not open: {case.open()}"
            case.complete(step["complete"], **step.get("data", {}))
        elif "wait" in step:
            case.advance(seconds=duration_delta(step["wait"], clock.now()) / timedelta(seconds=1))
        else:
            raise AssertionError(f"{where}: a step is {{'complete': task, 'data': {{...}}}} or {{'wait': 'PT1H'}}")
        path += [t for t in case.open() if t not in path]
    _check(scenario.name, case, path, body.get("expect", {}))


def _check(name: str, case: Case, path: list[str], expect: dict[str, Any]) -> None:
    if "path" in expect:
        assert path == expect["path"], f"{name}: tasks opened {path}, expected {expect['path']}"
    if "open" in expect:
        assert case.open() == sorted(expect["open"]), f"{name}: open {case.open()}"
    if "status" in expect:
        assert case.status == expect["status"], f"{name}: status {case.status}"
    for key, value in expect.get("case", {}).items():
        actual = case.case.get(key)
        if isinstance(value, dict) and isinstance(actual, dict):
            actual = {k: actual.get(k) for k in value}
        assert actual == value, f"{name}: case {key} is {actual!r}, expected {value!r}"
    sent = {n.template for n in case.notices} | {f"{n.template} -> {n.recipient}" for n in case.notices}
    for notice in expect.get("notices", []):
        assert notice in sent, f"{name}: notice {notice} not sent; sent {sorted(sent)}"
    for notice in expect.get("not_notices", []):
        assert notice not in sent, f"{name}: notice {notice} was sent"
    kinds = {kind for kind, _ in case.records}
    for kind in expect.get("events", []):
        assert kind in kinds, f"{name}: no {kind} event; events {sorted(kinds)}"
