"""Scale-out benchmark: N gunicorn processes and M `closeloop worker`s on one PostgreSQL, K concurrent clients.

Each client runs the real mix on the REAL default pack: register a grievance through the API, then for each of
the nine tasks of the grievance path (bench/realpack.py) read its group's worklist, open the task and complete it,
as the staff member of the task's group. Meanwhile the workers deliver the acknowledgement mails to a local
aiosmtpd sink and fire a backlog of due timers (grievances registered 40 days ago: three timers each, all due).
Printed per configuration: operations/s, completions/s, p50/p95/p99 per operation, errors (only 409 is allowed),
timers fired/s, mails delivered, the load average; then the scaling over N=1,2,4 (M=1) and M=1,2,4 (N=1), and
P3 (16 clients completing tasks, p95 <= 50 ms, no errors but 409s).

Run: .venv/bin/python bench/scale.py [--quick] [--seconds 20] [--clients 16] [--backlog 200] [--p3-only]
Database: BENCH_SCALE_PG_URL (default closeloop_scale_bench on 127.0.0.1), dropped and rebuilt.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py is named like the stdlib package: keep bench/ itself off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import timedelta  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http import Client as _Client  # noqa: E402
from bench.http import free_port, serve, token  # noqa: E402
from bench.realpack import PATH, WORKER_OF, intake, make_pack_app  # noqa: E402

PG_URL = os.environ.get("BENCH_SCALE_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/closeloop_scale_bench")
OPS = ("register", "worklist", "open", "complete")


class Client(_Client):
    """bench/http.py's keep-alive client, reconnecting once when gunicorn closed an idle connection."""

    def call(self, method: str, url: str, body: object = None) -> tuple[int, dict]:
        """One request; (status, JSON body)."""
        try:
            return super().call(method, url, body)
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()
            return super().call(method, url, body)


@dataclass
class Tally:
    """Latencies per operation, 409s and errors, shared by the client threads."""

    lat: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    measure_from: float = 0.0  # monotonic time: latencies of calls started before it (the warm-up) are not kept
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, op: str, started: float, seconds: float, status: int, body: dict) -> bool:
        """Keep one sample (errors even in the warm-up); True if the call succeeded."""
        with self.lock:
            if started >= self.measure_from:
                self.lat[op].append(seconds)
            if status == 409:
                self.conflicts += 1
            elif status >= 400:
                self.errors.append(f"{op} {status} {str(body)[:120]}")
        return status < 400


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, int(p / 100 * len(ordered) + 0.5) - 1))] * 1000


def call(tally: Tally, client: Client, op: str, method: str, url: str, body: object = None) -> tuple[bool, dict]:
    """One timed request."""
    started, t0 = time.monotonic(), time.perf_counter()
    status, data = client.call(method, url, body)
    return tally.record(op, started, time.perf_counter() - t0, status, data), data


def drive(port: int, tokens: dict[str, str], seed: int, until: float, tally: Tally) -> None:
    """One client: grievances worked to closure through the API until the deadline (the last one is finished)."""
    clients = {name: Client(port, tok) for name, tok in tokens.items()}
    n = seed
    while time.monotonic() < until:
        ok, case = call(tally, clients["agent"], "register", "POST", "/api/v1/cases", intake(n))
        n += 1000
        tasks = case.get("open_tasks", []) if ok else []
        for spec, data in PATH:
            task = next((t for t in tasks if t["task_spec"] == spec), None)
            if task is None:
                break
            client = clients[WORKER_OF[task["group"]]]
            call(tally, client, "worklist", "GET", "/api/v1/tasks?scope=group&limit=50")
            ok, _ = call(tally, client, "open", "GET", f"/api/v1/tasks/{task['id']}")
            ok, body = call(tally, client, "complete", "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data})
            tasks = body.get("next_tasks", []) if ok else []


def create_backlog(app, count: int, seed: int) -> None:  # type: ignore[no-untyped-def]
    """Register `count` grievances 40 days ago through the services: their three timers each are all due now."""
    from webapp.cases import service as cases
    from webapp.engine import clock
    from webapp.extensions import db

    with app.app_context():
        clock.freeze(clock.now() - timedelta(days=40))
        try:
            for i in range(count):
                cases.register(db.session, intake(seed + i), "agent")
                db.session.commit()
        finally:
            clock.reset()
        db.session.remove()


def counts(url: str) -> dict[str, int]:
    """Due waiting timers, fired timers, sent mails, mails due, open tasks."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "select (select count(*) from timer where state='waiting' and due_at <= now()),"
            " (select count(*) from timer where state='fired'),"
            " (select count(*) from outbox where status='sent'),"
            " (select count(*) from outbox where channel='email' and status in ('pending','sending')),"
            " (select count(*) from human_task where state='open')").fetchone()
    assert row is not None
    return dict(zip(("due", "fired", "sent", "mail", "open"), row, strict=True))


def start_workers(url: str, count: int, mail_port: int) -> list[subprocess.Popen]:
    """`closeloop worker` processes mailing to the sink."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-scale-not-secret", "PYTHONPATH": str(ROOT),
           "MAIL_HOST": "127.0.0.1", "MAIL_PORT": str(mail_port)}
    return [subprocess.Popen([sys.executable, "-m", "webapp", "worker", "--log-level", "WARNING"], cwd=ROOT, env=env)
            for _ in range(count)]


def watch_backlog(url: str, start: float, until: float, out: dict[str, float]) -> None:
    """Poll the due timers and the mails to send; note when each backlog is gone."""
    while time.monotonic() < until and not {"cleared", "mailed"} <= out.keys():
        now = counts(url)
        for key, name in (("due", "cleared"), ("mail", "mailed")):
            if now[key] == 0 and name not in out:
                out[name] = time.monotonic() - start
        time.sleep(0.5)
    out["watched"] = time.monotonic() - start


def run_config(app, url: str, web: int, workers: int, clients: int, seconds: float, backlog: int,  # type: ignore[no-untyped-def]
               mail_port: int, seed: int) -> dict:
    """One configuration: backlog, servers, workers, clients for `seconds`; the figures."""
    create_backlog(app, backlog, seed)
    proc, port = serve(url, web)
    workers_procs: list[subprocess.Popen] = []
    try:
        tokens = {name: token(port, name) for name in set(WORKER_OF.values())}
        before = counts(url)
        workers_procs = start_workers(url, workers, mail_port)
        # warm-up: every gunicorn process parses the pack's diagrams on its first calls; not measured
        warm = max(3.0, seconds / 4)
        tally, backlog_out = Tally(measure_from=time.monotonic() + warm), dict[str, float]()
        t0 = time.monotonic()
        until = t0 + warm + seconds
        threads = [threading.Thread(target=drive, args=(port, tokens, seed + 100_000 + i, until, tally))
                   for i in range(clients)]
        threads.append(threading.Thread(target=watch_backlog, args=(url, t0, until + 30, backlog_out)))
        for t in threads:
            t.start()
        for t in threads[:-1]:
            t.join()
        wall = time.monotonic() - tally.measure_from
        load = os.getloadavg()
        threads[-1].join()
        after = counts(url)
    finally:
        for p in workers_procs:
            p.terminate()
        for p in workers_procs:
            p.wait(30)
        proc.terminate()
        proc.wait(30)
    return {"web": web, "workers": workers, "clients": clients, "wall": wall, "tally": tally, "load": load,
            "before": before, "after": after, "cleared": backlog_out.get("cleared"),
            "mailed": backlog_out.get("mailed"), "watched": backlog_out["watched"], "backlog": backlog * 3}


def report(r: dict) -> None:
    """Print one configuration's figures."""
    tally: Tally = r["tally"]
    ops = sum(len(v) for v in tally.lat.values())
    done = len(tally.lat["complete"])
    fired = r["after"]["fired"] - r["before"]["fired"]
    cleared = f"{r['cleared']:.1f} s" if r.get("cleared") is not None else "not cleared"
    mailed = f"all sent {r['mailed']:.1f} s after start" if r.get("mailed") is not None else "not all sent"
    print(f"N={r['web']} web, M={r['workers']} workers, K={r['clients']} clients, {r['wall']:.1f} s: "
          f"{ops / r['wall']:,.0f} ops/s, {done / r['wall']:,.1f} completions/s; errors {len(tally.errors)}, "
          f"409s {tally.conflicts}; timers fired {fired} (backlog {r['backlog']} cleared in {cleared}); "
          f"mails sent {r['after']['sent'] - r['before']['sent']} ({mailed}); open tasks {r['after']['open']:,}; "
          f"load {r['load'][0]:.1f} {r['load'][1]:.1f} {r['load'][2]:.1f}", flush=True)
    for op in OPS:
        v = tally.lat[op]
        print(f"    {op:<9} n={len(v):>5}  p50 {pct(v, 50):7.1f} ms  p95 {pct(v, 95):7.1f} ms  "
              f"p99 {pct(v, 99):7.1f} ms", flush=True)
    for line in tally.errors[:5]:
        print(f"    error: {line}", flush=True)


def ensure_database() -> None:
    """Create the bench database if missing."""
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname=%s", (name,)).fetchone():
            conn.execute(f'create database "{name}"')


def add_escalation_staff(app) -> None:  # type: ignore[no-untyped-def]
    """A tier-3 handler with an e-mail address: the backlog's breached clocks escalate to tier 3 and mail it."""
    from webapp.accounts.service import create_user
    from webapp.extensions import db

    with app.app_context():
        create_user(db.session, "tier3", "bench-pass-1", ["tier_3_handler"], "Tier3", "tier3@example.test")
        db.session.commit()


def main() -> None:
    """Run the web series, the worker series and P3; print the scaling."""
    from webapp.worker.mailsink import start as start_sink

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="6 s per configuration, 4 clients, 30-case backlog")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8, help="K of the N and M series (P3 always uses 16)")
    parser.add_argument("--backlog", type=int, default=150, help="grievances with due timers per configuration")
    parser.add_argument("--p3-only", action="store_true", help="only P3 (K=16, N=2, M=1), not the N and M series")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.clients, args.backlog = 6.0, 4, 30
    ensure_database()
    app = make_pack_app(PG_URL)
    add_escalation_staff(app)
    mail_port = free_port()
    sink = start_sink("127.0.0.1", mail_port, Path(tempfile.mkdtemp(prefix="clscale")) / "mail")
    results, seed = [], 0
    try:
        plan = [] if args.p3_only else [(1, 1), (2, 1), (4, 1), (1, 2), (1, 4)]
        for web, workers in plan:
            seed += 1_000_000
            results.append(run_config(app, PG_URL, web, workers, args.clients, args.seconds, args.backlog,
                                      mail_port, seed))
            report(results[-1])
        seed += 1_000_000
        p3 = run_config(app, PG_URL, 2, 1, 16, args.seconds, args.backlog, mail_port, seed)
        print("P3 (16 concurrent clients, N=2, M=1):")
        report(p3)
    finally:
        sink.stop()
    summarise(results, p3)


def summarise(results: list[dict], p3: dict) -> None:
    """The scaling lines and the P3 verdict."""
    def rate(r: dict) -> float:
        return len(r["tally"].lat["complete"]) / r["wall"]

    def timers(r: dict) -> float:
        fired = r["after"]["fired"] - r["before"]["fired"]
        return fired / (r["cleared"] or r["watched"])  # from the workers' start until the backlog was gone

    for r in results:
        if r is (base := results[0]):
            print("scaling (2-core machine shared with other work; ratios against N=1, M=1):")
        print(f"    N={r['web']} M={r['workers']}: completions/s {rate(r):6.1f} ({rate(r) / rate(base):.2f}x), "
              f"timers fired/s {timers(r):6.1f} ({timers(r) / timers(base):.2f}x), load {r['load'][0]:.1f}")
    p95 = pct(p3["tally"].lat["complete"], 95)
    met = p95 <= 50 and not p3["tally"].errors
    print(f"P3: 16 clients, complete p95 {p95:.1f} ms (target <= 50 ms), errors {len(p3['tally'].errors)}, "
          f"409s {p3['tally'].conflicts}: {'MET' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
