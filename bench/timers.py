"""Timer benchmark: lateness percentiles and throughput of the real worker loop.

Scenarios (both on real instances of the fixture grievance, whose 4-hour timer sends an in-app notice):
  burst   N timers all due at the same moment -> time until every one has fired, timers/s, lateness
  steady  N timers due spread over S seconds -> lateness p50/p95/p99 at a sustainable rate

Run: .venv/bin/python bench/timers.py [--db sqlite|postgresql] [--workers 1|2] [--burst 10000] [--steady 2000]
     [--no-analyze]  (PostgreSQL: keep the statistics of before the bulk copy, as an import without ANALYZE)
The workers are separate processes (forked) running webapp.worker.Worker, as `closeloop worker` does.
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import os
import signal
import sys
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]  # bench/http.py must not shadow http
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import text  # noqa: E402

from bench.common import make_app  # noqa: E402

PG_URL = os.environ.get("BENCH_TIMERS_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/closeloop_bench_timers")


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def ensure_pg_database() -> None:
    """Create the benchmark's own PostgreSQL database if missing."""
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname=%s", (name,)).fetchone():
            conn.execute(f'create database "{name}"')


def create_instances(app, due_times: list[datetime], slow: bool = False,  # type: ignore[no-untyped-def]
                     analyze: bool = True) -> None:
    """One grievance per due time, registered 4 hours before it (so its timer falls due then).

    The first is registered through the services; the others are bulk copies of its rows (instance, case, task,
    timer) with fresh ids, task ids and due times, since registering 10,000 one by one takes minutes on a loaded
    machine (`--slow-setup` registers every one). A copy fires exactly like the original: same state, same diagram.
    `analyze=False` leaves PostgreSQL's statistics as they were before the copy (a bulk import without ANALYZE).
    """
    from tests.helpers import GRIEVANCE
    from webapp.cases import service as cases
    from webapp.engine import clock
    from webapp.extensions import db

    with app.app_context():
        for i, due in enumerate(due_times[:None if slow else 1]):
            clock.freeze(due - timedelta(hours=4))
            cases.register(db.session, dict(GRIEVANCE), "agent")
            if i % 1000 == 999:
                print(f"  created {i + 1}/{len(due_times)}", flush=True)
        clock.reset()
        if not slow:
            copy_instance(db.session, due_times[1:], analyze)


def copy_instance(session, due_times: list[datetime], analyze: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Insert copies of the only instance (with its case, task and timer), one per due time, in batches."""
    import uuid

    from sqlalchemy import insert, select

    from webapp.cases.models import Case
    from webapp.engine import serializer
    from webapp.tasks.models import HumanTask
    from webapp.workflow.models import Instance, Timer

    def row(model, obj) -> dict:  # type: ignore[no-untyped-def]
        return {c.key: getattr(obj, c.key) for c in model.__mapper__.column_attrs}

    inst, case = session.scalars(select(Instance)).one(), session.scalars(select(Case)).one()
    task, timer = session.scalars(select(HumanTask)).one(), session.scalars(select(Timer)).one()
    template = {m: row(m, o) for m, o in ((Instance, inst), (Case, case), (HumanTask, task), (Timer, timer))}
    text_state = serializer.state_json(inst.state)

    def encode(state: str) -> object:
        """The copy's state in the stored form of the original (binary zlib, base64 zlib text, or plain)."""
        if isinstance(inst.state, bytes | bytearray | memoryview):
            return serializer.BINARY + zlib.compress(state.encode(), 6)  # type: ignore[attr-defined]
        if inst.state.startswith(serializer.COMPRESSED):
            return serializer.COMPRESSED + base64.b64encode(zlib.compress(state.encode(), 6)).decode("ascii")
        return state
    for start in range(0, len(due_times), 1000):
        rows: dict = {m: [] for m in template}
        for n, due in enumerate(due_times[start:start + 1000], start=start + 2):
            timer_uuid, task_uuid = str(uuid.uuid4()), str(uuid.uuid4())
            state = text_state.replace(timer.task_id, timer_uuid).replace(task.task_id, task_uuid)
            rows[Instance].append({**template[Instance], "id": n, "state": encode(state)})
            rows[Case].append({**template[Case], "id": n, "instance_id": n, "number": f"CL-T-{n:07d}"})
            rows[HumanTask].append({**template[HumanTask], "id": n, "instance_id": n, "case_id": n,
                                    "case_number": f"CL-T-{n:07d}", "task_id": task_uuid})
            rows[Timer].append({**template[Timer], "id": n, "instance_id": n, "task_id": timer_uuid, "due_at": due})
        for model, values in rows.items():
            session.execute(insert(model), values)
        session.commit()
        print(f"  copied {start + len(rows[Timer])}/{len(due_times)}", flush=True)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("instance", "case_record", "human_task", "timer"):
            session.execute(text(f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(select max(id) from {table}))"))
        session.commit()
        # statistics, as autovacuum keeps them on a table that grew over time: left at "empty" after a bulk copy,
        # the planner sorts every due timer for each claim instead of reading the first few in index order
        if analyze:
            session.connection().exec_driver_sql("ANALYZE timer, instance, case_record, human_task")
            session.commit()


def _work(url: str, offset: float) -> None:
    """Child process: a real worker on its own connections, on a clock shifted by `offset` seconds."""
    import threading

    import tests.fixtures.handlers  # noqa: F401
    from webapp.app import create_app
    from webapp.engine import clock
    from webapp.extensions import db
    from webapp.outbox.delivery.settings import WorkerSettings
    from webapp.worker import Worker

    clock.reset()
    clock.advance(timedelta(seconds=offset))
    # the start-up check refuses the development SECRET_KEY outside testing: the bench sets its own
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-timers-not-secret"})
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with app.app_context():
        Worker(db.session, WorkerSettings(poll_seconds=0.5, batch=100), stop).run()


def run_workers(url: str, workers: int, offset: float, total: int) -> tuple[float, float, float, float | None]:
    """Start workers, wait until `total` timers have fired and their notices are delivered.

    (fired_s, all_s, worker CPU seconds, PostgreSQL backend CPU seconds or None on SQLite): the CPU time the
    workers used and, apart, that of the PostgreSQL backends serving them (every backend of the bench database but
    this process's own), which say what an unloaded machine would do when the wall clock is stretched by other work
    on the shared cores."""
    import resource

    from sqlalchemy import create_engine

    from bench.procstats import cpu_ns

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    cpu0 = cpu()

    engine = create_engine(url)
    postgres = url.startswith("postgresql")
    backends: dict[int, int] = {}  # backend pid -> its CPU ns at the last look (backends end with their workers)

    def look(conn) -> None:  # type: ignore[no-untyped-def]
        if postgres:
            for (pid,) in conn.execute(text("select pid from pg_stat_activity where datname = current_database() "
                                            "and pid <> pg_backend_pid()")):
                backends[pid] = max(backends.get(pid, 0), cpu_ns([pid]))

    with engine.connect() as conn:
        look(conn)
    before = dict(backends)  # the set-up's own backends: only what they do from now on counts
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_work, args=(url, offset)) for _ in range(workers)]
    t0 = time.monotonic()
    for p in procs:
        p.start()
    fired_at = None
    while True:
        with engine.connect() as conn:
            fired = conn.execute(text("select count(*) from timer where state='fired'")).scalar_one()
            pending = conn.execute(text("select count(*) from outbox where status in ('pending','sending')")
                                   ).scalar_one()
            look(conn)
        if fired >= total and fired_at is None:
            fired_at = time.monotonic() - t0
        if fired >= total and pending == 0:
            break
        if time.monotonic() - t0 > 1800:
            print("  gave up after 30 minutes", flush=True)
            break
        time.sleep(0.2)
    done = time.monotonic() - t0
    with engine.connect() as conn:
        look(conn)
    for p in procs:
        os.kill(p.pid, signal.SIGTERM)
    for p in procs:
        p.join(30)
    engine.dispose()
    backend_s = sum(ns - before.get(pid, 0) for pid, ns in backends.items()) / 1e9
    return fired_at or done, done, cpu() - cpu0, backend_s if postgres else None


def lateness(url: str) -> list[float]:
    """fired_at - due_at of every fired timer, in seconds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("select due_at, fired_at from timer where state='fired'")).all()
    engine.dispose()
    out = []
    for due, fired in rows:
        due, fired = (datetime.fromisoformat(v) if isinstance(v, str) else v for v in (due, fired))
        out.append((fired - due).total_seconds())
    return out


def scenario(name: str, db: str, workers: int, count: int, spread: float, lead: float, slow: bool = False,
             analyze: bool = True) -> None:
    """Create `count` timers due over `spread` seconds starting `lead` seconds after the workers start; report."""
    from webapp.engine import clock

    url = None
    if db == "postgresql":
        ensure_pg_database()
        url = PG_URL
    app = make_app(url)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    base = datetime(2030, 1, 7, 9, 0, tzinfo=clock.now().tzinfo)
    due_times = [base + timedelta(seconds=spread * i / max(1, count - 1)) for i in range(count)]
    t0 = time.monotonic()
    create_instances(app, due_times, slow, analyze)
    print(f"  {count} instances created in {time.monotonic() - t0:.1f}s", flush=True)
    offset = (base - clock.now()).total_seconds() - lead  # the workers' clock reaches `base` after `lead` s
    fired_s, all_s, cpu, pg_cpu = run_workers(url, workers, offset, count)
    late = lateness(url)
    busy = fired_s - lead
    print(f"{name:<7} db={db:<10} workers={workers} timers={len(late)} spread={spread:.0f}s: "
          f"lateness p50={pct(late, 50):.3f}s p95={pct(late, 95):.3f}s p99={pct(late, 99):.3f}s "
          f"max={max(late):.3f}s; all fired {busy:.1f}s after the first was due "
          f"({len(late) / max(busy, 1e-9):.0f} timers/s); notices delivered {all_s - lead:.1f}s; "
          f"worker CPU {cpu:.1f}s ({len(late) / max(cpu, 1e-9):.0f} timers per worker CPU-second, "
          f"{cpu / max(len(late), 1) * 1000:.2f} ms per timer); "
          + (f"PostgreSQL backend CPU {pg_cpu:.1f}s ({pg_cpu / max(len(late), 1) * 1000:.2f} ms per timer); "
             if pg_cpu is not None else "") +
          f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)


def main() -> None:
    """Parse arguments and run the scenarios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--burst", type=int, default=10_000, help="timers due at once (0 to skip)")
    parser.add_argument("--steady", type=int, default=2_000, help="timers spread over --spread seconds (0 to skip)")
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--slow-setup", action="store_true", help="register every instance through the services")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: no ANALYZE after the bulk copy (the statistics of a bulk import)")
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    if args.steady:
        scenario("steady", args.db, args.workers, args.steady, args.spread, lead=3.0, slow=args.slow_setup,
                 analyze=not args.no_analyze)
    if args.burst:
        scenario("burst", args.db, args.workers, args.burst, 0.0, lead=3.0, slow=args.slow_setup,
                 analyze=not args.no_analyze)


if __name__ == "__main__":
    main()
