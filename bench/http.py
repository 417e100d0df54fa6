"""HTTP benchmark: completions/s and worklist latency over real HTTP against gunicorn.

Sequential completions run on the fixture diagram and on the default pack's grievance path (bench/realpack.py),
after one warm-up case (the first calls parse the pack); each prints the gunicorn worker's CPU per completion
(from /proc, independent of how busy the shared cores are), the rate that CPU alone allows, and the ratios to the
in-memory SpiffWorkflow ceiling (bench/runtime.py) and to SpiffArena's 12.3/s.

Run: .venv/bin/python bench/http.py [--quick] [--pg] [--only real|fixture] [--cases N]
"""

from __future__ import annotations

import sys
from pathlib import Path

# this file is named like the stdlib package it uses: drop its own folder from the import path first
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import PG_URL, bulk_open_tasks, make_app, percentiles, pg_available  # noqa: E402

SPIFF_HTTP = 12.3  # SpiffArena backend, completions/s, one sequential HTTP client (issue 16)
TARGET = 125  # completions/s, one sequential client, one gunicorn process, real pack (issue 16)
INTAKE = {"channel": "phone", "kind": "grievance", "customer": {"name": "Bench"}, "description": "bench"}
STEPS = [{"cause": "busy"}, {"solution_type": "apology"}, {"satisfaction": 5}]


class Client:
    """A keep-alive JSON client for one thread."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, url: str, body: object = None) -> tuple[int, dict]:
        """One request; (status, JSON body). A connection the server closed while idle is opened again once."""
        try:
            return self._call(method, url, body)
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()
            return self._call(method, url, body)

    def _call(self, method: str, url: str, body: object) -> tuple[int, dict]:
        self.conn.request(method, url, body=json.dumps(body) if body is not None else None, headers=self.headers)
        resp = self.conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")


class ServerCpu:
    """CPU time of the gunicorn workers (every thread), summed over the requests it is asked to time."""

    def __init__(self, master: subprocess.Popen, workers: int = 1) -> None:
        self.pids = _worker_pids(master.pid, workers)
        self.total_ns = 0
        self.count = 0

    def now_ns(self) -> int:
        """The workers' CPU nanoseconds so far (all their threads; /proc/<pid>/task/*/schedstat)."""
        total = 0
        for pid in self.pids:
            for task in Path(f"/proc/{pid}/task").iterdir():
                try:
                    total += int((task / "schedstat").read_text().split()[0])
                except (OSError, ValueError, IndexError):
                    continue  # a thread that ended meanwhile
        return total

    def add(self, since_ns: int) -> None:
        """Count one request that started at `since_ns`."""
        self.total_ns += self.now_ns() - since_ns
        self.count += 1

    def ms(self) -> float:
        """Mean CPU milliseconds per timed request."""
        return self.total_ns / max(1, self.count) / 1e6


def _worker_pids(master: int, workers: int) -> list[int]:
    """The worker processes gunicorn forked (wait until they all exist)."""
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if len(children) >= workers:
            return [int(c) for c in children]
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start {workers} workers")


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, workers: int, threads: int = 8, env: dict[str, str] | None = None,
          keep_alive: int = 30) -> tuple[subprocess.Popen, int]:
    """Start gunicorn (threaded workers) on the prepared database; wait until it answers (keep_alive 0: close)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "PYTHONPATH": str(ROOT), **(env or {})}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen([gunicorn, "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                             "-b", f"127.0.0.1:{port}", "--keep-alive", str(keep_alive),
                             "--log-level", "warning", "bench.wsgi_bench:app"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def token(port: int, username: str) -> str:
    """A bearer token for a bench user."""
    status, body = Client(port).call("POST", "/api/v1/auth/token", {"username": username, "password": "bench-pass-1"})
    assert status == 201, body
    return str(body["token"])


def run_cases(port: int, tok: str, cases: int, samples: list[float], cpu: ServerCpu | None = None) -> None:
    """Register cases and complete every task of each, timing the completions (and their server CPU)."""
    client = Client(port, tok)
    for _ in range(cases):
        status, case = client.call("POST", "/api/v1/cases", INTAKE)
        assert status == 201, case
        task_id = case["open_tasks"][0]["id"]
        for data in STEPS:
            c0 = cpu.now_ns() if cpu else 0
            t0 = time.perf_counter()
            status, body = client.call("POST", f"/api/v1/tasks/{task_id}/complete", data)
            samples.append(time.perf_counter() - t0)
            if cpu:
                cpu.add(c0)
            assert status == 200, body
            task_id = body["next_tasks"][0]["id"] if body["next_tasks"] else None


def run_real_pack(port: int, cases: range, samples: list[float], cpu: ServerCpu | None = None) -> None:
    """Register default-pack grievances and work each to closure, every task as its group's worker."""
    from bench.realpack import PATH, WORKER_OF, intake

    clients = {name: Client(port, token(port, name)) for name in set(WORKER_OF.values())}
    for n in cases:
        status, case = clients["agent"].call("POST", "/api/v1/cases", intake(n))
        assert status == 201, case
        tasks = case["open_tasks"]
        for spec, data in PATH:
            task = next(t for t in tasks if t["task_spec"] == spec)
            c0 = cpu.now_ns() if cpu else 0
            t0 = time.perf_counter()
            status, body = clients[WORKER_OF[task["group"]]].call("POST", f"/api/v1/tasks/{task['id']}/complete",
                                                                  {"data": data})
            samples.append(time.perf_counter() - t0)
            if cpu:
                cpu.add(c0)
            assert status == 200, body
            tasks = body["next_tasks"]
        assert body["instance"]["status"] == "complete", body["instance"]


def verdict(rate: float, cpu: ServerCpu, ceiling: tuple[float, float]) -> str:
    """The ratios every sequential figure is printed with (wall rate to wall ceiling, CPU-bound rate to CPU one)."""
    bound = 1000 / cpu.ms()
    return (f"server CPU {cpu.ms():.1f} ms per completion (= {bound:,.0f}/s on one free core); "
            f"{rate / ceiling[0]:.1%} of the in-memory ceiling {ceiling[0]:,.0f}/s wall, {bound / ceiling[1]:.1%} of "
            f"its {ceiling[1]:,.0f}/s per CPU-second (fixture diagram); "
            f"{rate / SPIFF_HTTP:.1f}x SpiffArena's {SPIFF_HTTP}/s; target >= {TARGET}/s")


def ceilings(cases: int = 200) -> tuple[float, float]:
    """bench/runtime.py's in-memory ceiling: (completions per wall second, per CPU second of this process)."""
    from bench.runtime import STEPS, in_memory_ceiling

    c0 = time.process_time()
    wall = in_memory_ceiling(cases)
    return wall, cases * len(STEPS) / (time.process_time() - c0)


def measure_real_pack(label: str, url: str, cases: int, ceiling: tuple[float, float]) -> None:
    """Print the sequential completion rate of the default pack's grievance path over HTTP."""
    from bench.realpack import PATH, make_pack_app

    make_pack_app(url)
    proc, port = serve(url, workers=1)
    try:
        run_real_pack(port, range(1), [])  # warm-up: the worker parses the pack on its first calls
        samples: list[float] = []
        cpu = ServerCpu(proc)
        t0 = time.perf_counter()
        run_real_pack(port, range(1, cases + 1), samples, cpu)
        p50, p95 = percentiles(samples)
        rate = len(samples) / sum(samples)
        print(f"{label} REAL pack ({len(PATH)} tasks x {cases} grievances to closure), 1 sequential client: "
              f"{rate:,.0f} completions/s (p50 {p50:.1f} ms, p95 {p95:.1f} ms; wall {time.perf_counter() - t0:.1f} s "
              f"incl. registering; load {os.getloadavg()[0]:.1f}); {verdict(rate, cpu, ceiling)}")
    finally:
        proc.terminate()
        proc.wait(10)


def measure(label: str, url: str, cases: int, open_cases: int, ceiling: tuple[float, float]) -> None:
    """Print sequential and 16-client completion rates and the worklist latency for one database."""
    app = make_app(url)
    # SQLite has one writer: one process whose threads queue on our write lock; PostgreSQL: one per core
    workers = 1 if url.startswith("sqlite") else 2
    proc, port = serve(url, workers=workers)
    try:
        tok = token(port, "agent")
        run_cases(port, tok, workers, [])  # warm-up: each worker parses the diagrams on its first calls
        samples: list[float] = []
        cpu = ServerCpu(proc, workers)
        t0 = time.perf_counter()
        run_cases(port, tok, cases, samples, cpu)
        p50, p95 = percentiles(samples)
        rate = len(samples) / sum(samples)
        print(f"{label} fixture diagram: 1 sequential client: {rate:,.0f} completions/s "
              f"(p50 {p50:.1f} ms, p95 {p95:.1f} ms; wall {time.perf_counter() - t0:.1f} s incl. registering; "
              f"{workers} gunicorn process(es); load {os.getloadavg()[0]:.1f}); {verdict(rate, cpu, ceiling)}")
        shared: list[float] = []
        threads = [threading.Thread(target=run_cases, args=(port, tok, max(1, cases // 4), shared)) for _ in range(16)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        p50, p95 = percentiles(shared)
        print(f"{label}: 16 concurrent clients: {len(shared) / wall:,.0f} completions/s wall-clock incl. registering "
              f"(completion p50 {p50:.1f} ms, p95 {p95:.1f} ms)")
        bulk_open_tasks(app, open_cases)
        client = Client(port, token(port, "handler"))
        lat = []
        for _ in range(200):
            t0 = time.perf_counter()
            status, _ = client.call("GET", "/api/v1/tasks?scope=group")
            lat.append(time.perf_counter() - t0)
        p50, p95 = percentiles(lat[20:])
        print(f"{label}: worklist over HTTP at {open_cases:,} open cases: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
              f"(SpiffArena: p95 115 ms at 10,000; load {os.getloadavg()[0]:.1f})")
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    """Run on SQLite, and on PostgreSQL with --pg when it answers."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg", action="store_true", help="also measure PostgreSQL")
    parser.add_argument("--only", choices=("real", "fixture"), help="only the real pack or the fixture diagram")
    parser.add_argument("--cases", type=int, help="fixture cases (the real pack runs a third as many grievances)")
    args = parser.parse_args()
    cases, open_cases = (20, 2000) if args.quick else (100, 100_000)
    cases = args.cases or cases
    ceiling = ceilings()
    print(f"in-memory SpiffWorkflow ceiling (fixture diagram, bench/runtime.py): {ceiling[0]:,.0f} completions/s "
          f"wall, {ceiling[1]:,.0f} per CPU-second (load {os.getloadavg()[0]:.1f})")
    urls = [("SQLite", lambda: f"sqlite:///{tempfile.mkdtemp(prefix='clhttp')}/bench.db")]
    if args.pg and pg_available():
        urls.append(("PostgreSQL", lambda: PG_URL))
    for label, url in urls:
        if args.only != "real":
            measure(label, url(), cases, open_cases, ceiling)
        if args.only != "fixture":
            measure_real_pack(label, url(), max(1, cases // 3), ceiling)


if __name__ == "__main__":
    main()
