"""States saved by several threads at once (a gthread web process) are the states one thread alone saves."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from tests.process import answers as a
from tests.process.harness import Case, intake
from webapp.engine.serializer import State, dump_state, load_state, state_json

_THREADS = 4
_ROUNDS = 25


@pytest.fixture
def eager_switching() -> Iterator[None]:
    """Threads switched every microsecond (default 5 ms), so that saves interleave as under load."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _states() -> list[tuple[Case, State]]:
    """Real-pack instances at different steps: fresh, one step in, and with finished sub-processes behind them."""
    fresh = Case(intake())
    one = Case(intake(case_number="CL-2026-000002")).complete("prejudgement", **a.prejudgement())
    three = Case(intake(case_number="CL-2026-000003"))
    for spec, data in (("prejudgement", a.prejudgement()), ("fact_finding", a.fact_finding()),
                       ("internal_facts", a.internal_facts())):
        three.complete(spec, **data)
    four = Case(intake(case_number="CL-2026-000004", demand="A written apology"))
    for spec, data in (("prejudgement", a.prejudgement()), ("fact_finding", a.fact_finding()),
                       ("internal_facts", a.internal_facts()), ("responsibility_step", a.responsibility())):
        four.complete(spec, **data)
    cases = [fresh, one, three, four]
    return [(case, case.outcome.state) for case in cases if case.outcome.state is not None]


def test_saves_in_concurrent_threads_write_what_one_thread_writes(eager_switching: None) -> None:
    cases = _states()
    assert len(cases) == _THREADS
    expected = [state_json(dump_state(load_state(state, case.bundle.spec, case.bundle.subprocess_specs)))
                for case, state in cases]
    assert len(set(expected)) == _THREADS  # four different workflows
    wrong: list[str] = []
    start = threading.Barrier(_THREADS)

    def work(index: int) -> None:
        case, state = cases[index]
        start.wait()
        for round_ in range(_ROUNDS):
            try:
                wf = load_state(state, case.bundle.spec, case.bundle.subprocess_specs)
                for save in ("first", "second"):  # the second with the finished sub-processes' forms kept
                    if state_json(dump_state(wf)) != expected[index]:
                        wrong.append(f"workflow {index}, round {round_}, {save} save")
            except Exception as exc:  # noqa: BLE001 - a save converted in another thread's mode may raise
                wrong.append(f"workflow {index}, round {round_}: {exc!r}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not wrong, f"{len(wrong)} of {_THREADS * _ROUNDS * 2} saves differ: {wrong[:5]}"
