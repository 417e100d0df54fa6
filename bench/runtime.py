"""Runtime benchmark: in-memory ceiling, completions/s through the service layer, state size, worklist latency.

Run: .venv/bin/python bench/runtime.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# replace (not prepend) the script's folder: bench/http.py would shadow the standard library's http package
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import FIXTURES, PG_URL, bulk_open_tasks, make_app, percentiles, pg_available, timed  # noqa: E402

STEPS = [("Find the facts", {"cause": "busy"}), ("Agree the solution", {"solution_type": "apology"}),
         ("Follow-up call", {"satisfaction": 5})]
INTAKE = {"channel": "phone", "kind": "grievance", "customer": {"name": "Bench"}, "category": "staff_attitude",
          "subject": "SP", "description": "bench"}


def in_memory_ceiling(cases: int) -> float:
    """Task completions/s of bare SpiffWorkflow (no DB, no serialization) on the fixture grievance."""
    import tests.fixtures.handlers  # noqa: F401
    from handlers.registry import registered_operations
    from webapp.engine.pack import build_pack, read_dir
    from webapp.engine.runtime import Engine, RunContext, _Acc

    files, forms = read_dir(FIXTURES / "processes", FIXTURES / "forms")
    bundle = build_pack(files, forms, registered_operations()).processes["complaint"]
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    engine = Engine()
    completions = 0
    t0 = time.perf_counter()
    for i in range(cases):
        ctx = RunContext(str(i), f"CL-{i}", "bench")
        wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=engine._script_engine(ctx, _Acc()))
        wf.task_tree.data.update({"facts": {}, "case_number": f"CL-{i}"})
        wf.do_engine_steps()
        for _, data in STEPS:
            task = next(t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual)
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
            completions += 1
        assert wf.is_completed()
    return completions / (time.perf_counter() - t0)


def service_throughput(url: str | None, cases: int) -> tuple[float, float]:
    """(completions/s, p50 ms) through webapp.tasks.service.complete on a real database."""
    from sqlalchemy import select

    from webapp.cases import service as case_service
    from webapp.extensions import db
    from webapp.models import HumanTask, User
    from webapp.tasks import service as tasks

    app = make_app(url)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "agent")).one()
        numbers = [case_service.register(db.session, dict(INTAKE), "agent").id for _ in range(cases)]
        samples: list[float] = []
        for _title, data in STEPS:
            for case_id in numbers:
                task_id = db.session.scalars(select(HumanTask.id).where(
                    HumanTask.case_id == case_id, HumanTask.state == "open")).first()
                t0 = time.perf_counter()
                tasks.complete(db.session, task_id, data, user)
                samples.append(time.perf_counter() - t0)
        db.session.remove()
        db.engine.dispose()
    return len(samples) / sum(samples), percentiles(samples)[0]


def state_sizes() -> tuple[int, int]:
    """Serialized state bytes of a standard case mid-way, and after 300 reopen loops."""
    from sqlalchemy import select

    from webapp.cases import service as case_service
    from webapp.extensions import db
    from webapp.models import HumanTask, Instance, User
    from webapp.tasks import service as tasks

    app = make_app(None)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "agent")).one()
        case = case_service.register(db.session, dict(INTAKE), "agent")

        def do(data: dict) -> None:
            tid = db.session.scalars(select(HumanTask.id).where(HumanTask.case_id == case.id,
                                                                HumanTask.state == "open")).one()
            tasks.complete(db.session, tid, data, user)

        do(STEPS[0][1])
        mid = len(db.session.get(Instance, case.instance_id).state or "")
        for _ in range(300):
            do({"solution_type": "apology"})
            do({"satisfaction": 1})
        looped = len(db.session.get(Instance, case.instance_id).state or "")
    return mid, looped


def worklist_latency(url: str | None, sizes: list[int]) -> list[tuple[int, float, float, float, float]]:
    """(open cases, DB p50, DB p95, Flask p50, Flask p95) of the group queue's first page."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import User
    from webapp.tasks.worklist import list_tasks

    out = []
    app = make_app(url)
    loaded = 0
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "handler", "password": "bench-pass-1"}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    for size in sizes:
        bulk_open_tasks(app, size - loaded)
        loaded = size
        with app.app_context():
            user = db.session.scalars(select(User).where(User.username == "handler")).one()
            list_tasks(db.session, user, "group", limit=50)
            db_samples = timed(lambda u=user: list_tasks(db.session, u, "group", limit=50), 200)
            db.session.remove()
        client.get("/api/v1/tasks?scope=group", headers=headers)
        web = timed(lambda: client.get("/api/v1/tasks?scope=group", headers=headers), 200)
        out.append((size, *percentiles(db_samples), *percentiles(web)))
    with app.app_context():
        db.engine.dispose()
    return out


SPIFF_HTTP = 12.3  # SpiffArena backend, completions/s, one sequential HTTP client (issue 16)
SPIFF_P95 = 115.0  # SpiffArena backend, task list p95 ms at 10,000 open instances (issue 16)


def real_pack(has_pg: bool, ceiling: float, cases: int) -> None:
    """Print completions/s and state bytes of the default pack's grievance path (register → … → closure)."""
    from bench.realpack import PATH, service_run

    for label, url in [("SQLite", None)] + ([("PostgreSQL", PG_URL)] if has_pg else []):
        rate, p50, sizes = service_run(url, cases)
        print(f"(2r) REAL pack grievance path ({len(PATH)} tasks x {cases} cases), {label}: {rate:,.0f} completions/s "
              f"(p50 {p50:.1f} ms), {rate / ceiling:.1%} of (1), {rate / SPIFF_HTTP:.1f}x SpiffArena over HTTP")
    print(f"(3r) REAL pack state bytes per instance: {sizes['registration']:,} at registration; "
          f"{sizes['mid-way']:,} mid-way (target <= 10,240); {sizes['closure']:,} at closure")


def main() -> None:
    """Print every figure of the runtime benchmark."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller runs (smoke test of the bench)")
    args = parser.parse_args()
    cases = 30 if args.quick else 200
    sizes = [1000, 2000] if args.quick else [10_000, 100_000]
    ceiling = in_memory_ceiling(cases * 2)
    print(f"load: {os.getloadavg()[0]:.1f} (1-min average; the figures are worth comparing at similar loads)")
    print(f"(1) in-memory SpiffWorkflow ceiling (fixture diagram): {ceiling:,.0f} task completions/s")
    rate, p50 = service_throughput(None, cases)
    print(f"(2) service layer, SQLite WAL: {rate:,.0f} completions/s (p50 {p50:.1f} ms), {rate / ceiling:.1%} of (1)")
    has_pg = pg_available()
    if has_pg:
        rate, p50 = service_throughput(PG_URL, cases)
        print(f"(2) service layer, PostgreSQL: {rate:,.0f} completions/s (p50 {p50:.1f} ms), "
              f"{rate / ceiling:.1%} of (1)")
    else:
        print("(2) PostgreSQL not reachable: skipped")
    real_pack(has_pg, ceiling, cases // 3 or 1)
    mid, looped = state_sizes()
    print(f"(3) state bytes: {mid:,} mid-way (after fact finding); {looped:,} after 300 reopen loops "
          f"({(looped - mid) / 300:,.0f} bytes/loop)")
    for label, url in [("SQLite", None)] + ([("PostgreSQL", PG_URL)] if has_pg else []):
        for size, dp50, dp95, wp50, wp95 in worklist_latency(url, sizes):
            print(f"(4) worklist {label} {size:>7,} open cases: DB p50 {dp50:.2f} ms p95 {dp95:.2f} ms; "
                  f"Flask p50 {wp50:.2f} ms p95 {wp95:.2f} ms ({SPIFF_P95 / wp95:,.0f}x under SpiffArena's "
                  f"{SPIFF_P95:.0f} ms p95 at 10,000)")


if __name__ == "__main__":
    main()
