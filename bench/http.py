"""HTTP benchmark: completions/s and worklist latency over real HTTP against gunicorn.

Run: .venv/bin/python bench/http.py [--quick] [--pg]
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
        """One request; (status, JSON body)."""
        self.conn.request(method, url, body=json.dumps(body) if body is not None else None, headers=self.headers)
        resp = self.conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, workers: int) -> tuple[subprocess.Popen, int]:
    """Start gunicorn (threaded workers) on the prepared database; wait until it answers."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "PYTHONPATH": str(ROOT)}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen([gunicorn, "-w", str(workers), "-k", "gthread", "--threads", "8",
                             "-b", f"127.0.0.1:{port}",
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


def run_cases(port: int, tok: str, cases: int, samples: list[float]) -> None:
    """Register cases and complete every task of each, timing the completions."""
    client = Client(port, tok)
    for _ in range(cases):
        status, case = client.call("POST", "/api/v1/cases", INTAKE)
        assert status == 201, case
        task_id = case["open_tasks"][0]["id"]
        for data in STEPS:
            t0 = time.perf_counter()
            status, body = client.call("POST", f"/api/v1/tasks/{task_id}/complete", data)
            samples.append(time.perf_counter() - t0)
            assert status == 200, body
            task_id = body["next_tasks"][0]["id"] if body["next_tasks"] else None


def run_real_pack(port: int, cases: int, samples: list[float]) -> None:
    """Register default-pack grievances and work each to closure, every task as its group's worker."""
    from bench.realpack import PATH, WORKER_OF, intake

    clients = {name: Client(port, token(port, name)) for name in set(WORKER_OF.values())}
    for n in range(cases):
        status, case = clients["agent"].call("POST", "/api/v1/cases", intake(n))
        assert status == 201, case
        tasks = case["open_tasks"]
        for spec, data in PATH:
            task = next(t for t in tasks if t["task_spec"] == spec)
            t0 = time.perf_counter()
            status, body = clients[WORKER_OF[task["group"]]].call("POST", f"/api/v1/tasks/{task['id']}/complete",
                                                                  {"data": data})
            samples.append(time.perf_counter() - t0)
            assert status == 200, body
            tasks = body["next_tasks"]
        assert body["instance"]["status"] == "complete", body["instance"]


def measure_real_pack(label: str, url: str, cases: int) -> None:
    """Print the sequential completion rate of the default pack's grievance path over HTTP."""
    from bench.realpack import PATH, make_pack_app

    make_pack_app(url)
    proc, port = serve(url, workers=1)
    try:
        samples: list[float] = []
        t0 = time.perf_counter()
        run_real_pack(port, cases, samples)
        p50, p95 = percentiles(samples)
        rate = len(samples) / sum(samples)
        print(f"{label} REAL pack ({len(PATH)} tasks x {cases} grievances to closure), 1 sequential client: "
              f"{rate:,.0f} completions/s (p50 {p50:.1f} ms, p95 {p95:.1f} ms; wall {time.perf_counter() - t0:.1f} s "
              f"incl. registering) = {rate / SPIFF_HTTP:.1f}x SpiffArena's {SPIFF_HTTP}/s; "
              f"load {os.getloadavg()[0]:.1f}")
    finally:
        proc.terminate()
        proc.wait(10)


def measure(label: str, url: str, cases: int, open_cases: int) -> None:
    """Print sequential and 16-client completion rates and the worklist latency for one database."""
    app = make_app(url)
    # SQLite has one writer: one process whose threads queue on our write lock; PostgreSQL: one per core
    proc, port = serve(url, workers=1 if url.startswith("sqlite") else 2)
    try:
        tok = token(port, "agent")
        samples: list[float] = []
        t0 = time.perf_counter()
        run_cases(port, tok, cases, samples)
        p50, p95 = percentiles(samples)
        print(f"{label}: 1 sequential client: {len(samples) / sum(samples):,.0f} completions/s "
              f"({len(samples) / sum(samples) / SPIFF_HTTP:.1f}x SpiffArena's {SPIFF_HTTP}/s; "
              f"load {os.getloadavg()[0]:.1f}) "
              f"(p50 {p50:.1f} ms, p95 {p95:.1f} ms; wall {time.perf_counter() - t0:.1f} s incl. registering)")
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
    args = parser.parse_args()
    cases, open_cases = (20, 2000) if args.quick else (100, 100_000)
    measure("SQLite", f"sqlite:///{tempfile.mkdtemp(prefix='clhttp')}/bench.db", cases, open_cases)
    measure_real_pack("SQLite", f"sqlite:///{tempfile.mkdtemp(prefix='clhttp')}/bench.db", max(1, cases // 3))
    if args.pg and pg_available():
        measure("PostgreSQL", PG_URL, cases, open_cases)
        measure_real_pack("PostgreSQL", PG_URL, max(1, cases // 3))


if __name__ == "__main__":
    main()
