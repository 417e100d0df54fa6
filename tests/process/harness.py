"""A driver for the process pack: the real engine, fake history, the clock moved by hand, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from handlers.registry import Notice, registered_operations
from webapp.deadlines import business_calendar as calendar
from webapp.engine import clock
from webapp.engine.outcome import HumanTaskInfo, Outcome, RunContext
from webapp.engine.pack import Pack, build_pack, read_dir
from webapp.engine.runtime import Engine
from webapp.engine.serializer import dump_state, forget_finished, state_json
from webapp.engine.wfcache import CACHE

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


@cache
def pack() -> Pack:
    """The default pack, parsed and validated once."""
    files, forms = read_dir(ROOT / "processes", ROOT / "forms")
    return build_pack(files, forms, registered_operations())


@dataclass
class FakeHistory:
    """Earlier cases for G2-b / G3-a: other complainants' case numbers and closed repeats of this customer."""

    others: list[str] = field(default_factory=list)
    repeats: int = 0
    calls: list[tuple[str, ...]] = field(default_factory=list)
    clocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=lambda: {"product_quality": "K1", "parts_supply": "K2"})

    def distinct_complainants(self, category: str, subject: str, since: datetime, exclude: str) -> list[str]:
        """Other complainants' cases with this category and subject since `since`."""
        self.calls.append(("distinct", category, subject, since.isoformat(), exclude))
        return list(self.others)

    def repeats_after_closure(self, customer_key: str, category: str, subject: str, exclude: str) -> int:
        """Closed cases of this customer with the same category and subject."""
        self.calls.append(("repeats", customer_key, category, subject, exclude))
        return self.repeats

    def clock(self, instance_id: str, name: str) -> dict[str, Any] | None:
        """The clock as the store would see it (state and due time), from the clock commands applied so far."""
        return self.clocks.get(name)

    def deadline_rule(self, category: str) -> str | None:
        """The category's deadline rule as master data keeps it (the pack's defaults unless a test sets more)."""
        return self.rules.get(category)

    def unit_kept(self, address: str) -> bool:
        """Every department and service point the tests name is kept."""
        return True

    def apply_clocks(self, records: list[tuple[str, dict[str, Any]]], at: datetime) -> None:
        """What webapp.deadlines.service does with clock commands (business time when the clock says so)."""
        for kind, d in records:
            name = d.get("name", "")
            if kind == "clock_started":
                business = bool(d.get("business_time"))
                cal = calendar.current()
                start = min(datetime.fromisoformat(d["since"]), at) if d.get("since") else at  # counted from there
                budget = calendar.budget_seconds(cal, start, d["duration"], business)
                self.clocks[name] = {"state": "running", "due": calendar.due_from(cal, start, budget, business),
                                     "budget": budget, "business": business,
                                     "used": 0.0, "since": start, "paused_at": None}
                continue
            rows = [c for n, c in self.clocks.items() if name in ("*", n) and c["state"] in ("running", "paused")]
            for c in rows:
                if kind == "clock_stopped":
                    c["state"] = "met" if c["due"] is None or at <= c["due"] else "missed"
                elif kind == "clock_paused" and c["state"] == "running":
                    c["used"] += calendar.elapsed(calendar.current(), c["since"], at, c["business"])
                    c.update(state="paused", paused_at=at, due=None)
                elif kind == "clock_resumed" and c["state"] == "paused":
                    c.update(state="running", since=at, paused_at=None, due=calendar.due_from(
                        calendar.current(), at, c["budget"] - c["used"], c["business"]))


def intake(**overrides: Any) -> dict[str, Any]:
    """Process data as the case registration passes it (see webapp/services/cases.py)."""
    facts = {"media_exposure": "none", "lawsuit": "none", "households": 1, "needs_other_departments": False,
             "key_customer": False, "behaviour": None}
    facts.update(overrides.pop("facts", {}))
    data: dict[str, Any] = {
        "case_number": "CL-2026-000001", "channel": "phone", "kind": "grievance",
        "customer": {"name": "Li Lei", "phone": "13800000001", "email": "li@example.com", "address": None},
        "category": "staff_attitude", "subject": "Service point 7", "description": "Rude staff at reception",
        "demand": "An apology", "facts": facts, "registered_by": "agent", "purchase_intent": False,
        "solved_on_the_spot": False, "solution_on_the_spot": None,
    }
    data.update(overrides)
    return data


class Case:
    """One case run through the pack; every step goes through the serialized state (save/restore)."""

    def __init__(self, data: dict[str, Any] | None = None, history: FakeHistory | None = None,
                 process: str = "complaint") -> None:
        self.engine = Engine()
        self.history = history or FakeHistory()
        self.data = data or intake()
        self.bundle = pack().processes[process]
        self.notices: list[Notice] = []
        self.records: list[tuple[str, dict[str, Any]]] = []
        self.case: dict[str, Any] = {}
        self.links: list[str] = []
        self.completed: list[str] = []
        self.outcome = self._take(self.engine.start(self.bundle, self.data, self._ctx("agent")))

    def _ctx(self, actor: str) -> RunContext:
        return RunContext("1", self.data["case_number"], actor, self.history)

    def _take(self, outcome: Outcome) -> Outcome:
        assert outcome.error is None, f"{outcome.error.element}: {outcome.error.message}\n{outcome.error.trace}"
        assert outcome.state is not None
        restored = self.engine.inspect(self.bundle, outcome.state)  # the state alone describes the same instance
        kept = CACHE.take("1", outcome.state, self.bundle.spec)  # the workflow the next call will start from ...
        if kept is not None:  # ... saved in full (no kept form of a finished sub-process) is the state returned
            forget_finished(kept)
            assert state_json(dump_state(kept)) == state_json(outcome.state), "a kept sub-process form is stale"
            CACHE.put("1", outcome.state, self.bundle.spec, kept)
        assert [h.spec_id for h in restored.human_tasks] == [h.spec_id for h in outcome.human_tasks]
        assert [(t.spec_id, t.due_at) for t in restored.timers] == [(t.spec_id, t.due_at) for t in outcome.timers]
        self.notices += outcome.notices
        self.records += outcome.records
        self.history.apply_clocks(outcome.records, clock.now())
        self.case.update(outcome.case_updates)
        self.links += [n for n in outcome.links if n not in self.links]
        self.outcome = outcome
        return outcome

    # -- reading -----------------------------------------------------------
    @property
    def status(self) -> str:
        """Engine status of the instance (user_input, waiting, complete ...)."""
        return self.outcome.status

    def open(self) -> list[str]:
        """Spec ids of the READY human tasks."""
        return sorted(h.spec_id for h in self.outcome.human_tasks)

    def task(self, spec_id: str) -> HumanTaskInfo:
        """The one READY human task of this spec."""
        found = [h for h in self.outcome.human_tasks if h.spec_id == spec_id]
        assert len(found) == 1, f"{spec_id} not ready; open: {self.open()}"
        return found[0]

    def timers(self) -> dict[str, datetime | None]:
        """Waiting timer events by spec id and due time."""
        return {t.spec_id: t.due_at for t in self.outcome.timers}

    def sent(self, template: str | None = None, to: str | None = None) -> list[Notice]:
        """Notices queued so far, optionally filtered."""
        return [n for n in self.notices if (template is None or n.template == template)
                and (to is None or n.recipient == to)]

    def events(self, kind: str) -> list[dict[str, Any]]:
        """Timeline records of one kind."""
        return [d for k, d in self.records if k == kind]

    def value(self, key: str, task: str | None = None) -> Any:
        """A key of the workflow data a READY task sees (the given one, else the first), else of the last task."""
        if task is None and not self.outcome.human_tasks:
            return self.outcome.data.get(key)
        return self.task_data(task or self.outcome.human_tasks[0].spec_id).get(key)

    def task_data(self, spec_id: str) -> dict[str, Any]:
        """The data a READY task sees (form prefill)."""
        assert self.outcome.state is not None
        return self.engine.task_data(self.bundle, self.outcome.state, self.task(spec_id).task_id)

    # -- acting ------------------------------------------------------------
    def complete(self, spec_id: str, actor: str = "someone", **data: Any) -> Case:
        """Submit a task's form (validated against its JSON Schema, as the server does)."""
        task = self.task(spec_id)
        assert task.form is not None
        jsonschema.Draft202012Validator(pack().forms[task.form],
                                        format_checker=jsonschema.FormatChecker()).validate(data)
        assert self.outcome.state is not None
        self._take(self.engine.complete(self.bundle, self.outcome.state, task.task_id, data, self._ctx(actor)))
        self.completed.append(spec_id)
        return self

    def advance(self, **delta: float) -> Case:
        """Move the clock and let due timers fire."""
        clock.advance(timedelta(**delta))
        assert self.outcome.state is not None
        self._take(self.engine.fire_timers(self.bundle, self.outcome.state, self._ctx("timer")))
        return self
