"""Scale-out benchmark: N gunicorn processes and M `closeloop worker`s on one PostgreSQL, K concurrent clients.

Each client runs the real mix on the REAL default pack: register a grievance through the API, then for each of
the nine tasks of the grievance path (bench/realpack.py) read its group's worklist, open the task and complete it,
as the staff member of the task's group. Meanwhile the workers deliver the acknowledgement mails to a local
aiosmtpd sink and fire a backlog of due timers (grievances registered 40 days ago: three timers each, all due).
Printed per configuration: operations/s, completions/s, p50/p95/p99 per operation, errors (only 409 is allowed),
timers fired/s, mails delivered, the load average; then the scaling over N=1,2,4 (M=1) and M=1,2,4 (N=1), and
P3 (16 clients completing tasks, p95 <= 50 ms, no errors but 409s).

Each configuration also prints the CPU seconds of every process group in the measured window (gunicorn workers,
`closeloop worker`s, the bench database's PostgreSQL backends, this bench process and its client threads, the
whole machine), each gunicorn process's in-app CPU per operation (thread CPU, recorded by bench/wsgi_bench.py)
and its workflow cache hits and misses.

`--paced 20,40,60` is NOT the issue's P3: 16 clients with think time (Poisson request starts) offering those total
request rates; it prints the completion p95 at each offered load (the load at which p95 <= 50 ms holds here).

Run: .venv/bin/python bench/scale.py [--quick] [--seconds 20] [--clients 16] [--backlog 200] [--p3-only]
     [--threads 8] [--paced RATES]
Database: BENCH_SCALE_PG_URL (default closeloop_scale_bench on 127.0.0.1), dropped and rebuilt.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py is named like the stdlib package: keep bench/ itself off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http import free_port, serve, token  # noqa: E402
from bench.procstats import CpuWindow, children, pg_backends  # noqa: E402
from bench.realpack import WORKER_OF, intake, make_pack_app  # noqa: E402
from bench.scaleclients import CLIENT, LeanClient, drive  # noqa: E402
from bench.scalereport import SWITCH, Tally, pct, report, server_rows, summarise  # noqa: E402

PG_URL = os.environ.get("BENCH_SCALE_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/closeloop_scale_bench")




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
               mail_port: int, seed: int, rate: float | None = None, threads: int = 8, keep_alive: int = 30) -> dict:
    """One configuration: backlog, servers, workers, clients for `seconds`; the figures.

    `rate`: paced clients offering `rate` requests/s in total (NOT the issue's P3); None: closed loop.
    """
    create_backlog(app, backlog, seed)
    stats_dir = tempfile.mkdtemp(prefix="clscale-stats")
    proc, port = serve(url, web, threads, {"BENCH_STATS_DIR": stats_dir, **SWITCH}, keep_alive)
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
        gap = clients / rate if rate else None
        threads_ = [threading.Thread(target=drive, args=(port, tokens, seed + 100_000 + i, until, tally, gap))
                    for i in range(clients)]
        threads_.append(threading.Thread(target=watch_backlog, args=(url, t0, until + 30, backlog_out)))
        for t in threads_:
            t.start()
        time.sleep(max(0.0, tally.measure_from - time.monotonic()))
        window = CpuWindow({"web": children(proc.pid), "gunicorn master": [proc.pid],
                            "worker": [p.pid for p in workers_procs], "postgres": pg_backends(url),
                            "bench process": [os.getpid()]})
        window.begin()
        measure_wall = time.time()
        for t in threads_[:-1]:
            t.join()
        window.end(pg_backends(url))
        wall = time.monotonic() - tally.measure_from
        load = os.getloadavg()
        threads_[-1].join()
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
            "mailed": backlog_out.get("mailed"), "watched": backlog_out["watched"], "backlog": backlog * 3,
            "cpu": window.seconds, "web_wait": window.web_wait,
            "server": server_rows(stats_dir, measure_wall), "rate": rate, "threads": threads,
            "keep_alive": keep_alive}


def ensure_database() -> None:
    """Create the bench database if missing."""
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname=%s", (name,)).fetchone():
            conn.execute(f'create database "{name}"')


def add_escalation_staff(app) -> None:  # type: ignore[no-untyped-def]
    """Staff with e-mail addresses in the groups the backlog's breached clocks escalate to and mail (tier 2, tier 3,
    the service supervisor), so no escalation mail goes to the dead letters for want of an address."""
    from webapp.accounts.service import create_user
    from webapp.extensions import db

    with app.app_context():
        for username, group in (("tier2", "tier_2_handler"), ("tier3", "tier_3_handler"),
                                ("supervisor", "service_supervisor")):
            create_user(db.session, username, "bench-pass-1", [group], username.title(), f"{username}@example.test")
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
    parser.add_argument("--workers", type=int, default=1, help="M of P3 and --paced (default 1; 0 to attribute "
                        "PostgreSQL's CPU to the web requests alone, NOT the issue's P3)")
    parser.add_argument("--keep-alive", type=int, default=30, help="gunicorn --keep-alive seconds (0: a connection "
                        "per request, so each request goes to whichever process accepts it first)")
    parser.add_argument("--switch-interval", type=float, help="the gunicorn processes' GIL switch interval in "
                        "seconds (sys.setswitchinterval; Python's default 0.005)")
    parser.add_argument("--lean-client", action="store_true", help="the clients use LeanClient (raw socket, "
                        "wrk-like) instead of http.client, to take less of the shared CPU")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per process (default 8)")
    parser.add_argument("--paced", metavar="RATES", help="NOT the issue's P3: instead of it, K=16 paced clients "
                        "(Poisson request starts) offering these total request rates, e.g. 20,40,60 (requests/s)")
    args = parser.parse_args()
    if args.lean_client:
        CLIENT[0] = LeanClient
    if args.switch_interval:
        SWITCH["BENCH_SWITCH_INTERVAL"] = str(args.switch_interval)
    if args.quick:
        args.seconds, args.clients, args.backlog = 6.0, 4, 30
    ensure_database()
    app = make_pack_app(PG_URL)
    add_escalation_staff(app)
    mail_port = free_port()
    sink = start_sink("127.0.0.1", mail_port, Path(tempfile.mkdtemp(prefix="clscale")) / "mail")
    results, seed = [], 0
    try:
        if args.paced:
            paced(app, args, mail_port)
            return
        plan = [] if args.p3_only else [(1, 1), (2, 1), (4, 1), (1, 2), (1, 4)]
        for web, workers in plan:
            seed += 1_000_000
            results.append(run_config(app, PG_URL, web, workers, args.clients, args.seconds, args.backlog,
                                      mail_port, seed, threads=args.threads, keep_alive=args.keep_alive))
            report(results[-1])
        seed += 1_000_000
        p3 = run_config(app, PG_URL, 2, args.workers, 16, args.seconds, args.backlog, mail_port, seed,
                        threads=args.threads, keep_alive=args.keep_alive)
        print(f"P3 (16 concurrent clients, N=2, M={args.workers}):")
        report(p3)
    finally:
        sink.stop()
    summarise(results, p3)


def paced(app, args: argparse.Namespace, mail_port: int) -> None:  # type: ignore[no-untyped-def]
    """NOT the issue's P3: K=16 clients with think time, at each offered total rate; complete p95 at that load."""
    lines = []
    for i, rate in enumerate(float(x) for x in args.paced.split(",")):
        r = run_config(app, PG_URL, 2, args.workers, 16, args.seconds, args.backlog, mail_port, (i + 1) * 1_000_000,
                       rate=rate, threads=args.threads, keep_alive=args.keep_alive)
        report(r)
        done = sum(len(v) for v in r["tally"].lat.values()) / r["wall"]
        p95 = pct(r["tally"].lat["complete"], 95)
        lines.append(f"    offered {rate:6.1f} req/s (each of 16 clients: mean {16 / rate * 1000:,.0f} ms between "
                     f"request starts): achieved {done:6.1f} req/s, complete p50 "
                     f"{pct(r['tally'].lat['complete'], 50):6.1f} / p95 {p95:6.1f} ms, errors "
                     f"{len(r['tally'].errors)}, 409s {r['tally'].conflicts}, load {r['load'][0]:.1f}: p95 "
                     f"{'<=' if p95 <= 50 else '>'} 50 ms")
    print("PACED (NOT the issue's P3, which has no think time): N=2, M=1, K=16, real mix")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
