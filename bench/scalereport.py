"""bench/scale.py's tallies and printed figures: latencies per operation, CPU per process group, the scaling, P3."""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

OPS = ("register", "worklist", "open", "complete")
SWITCH: dict[str, str] = {}  # BENCH_SWITCH_INTERVAL for the gunicorn processes (--switch-interval)


@dataclass
class Tally:
    """Latencies per operation, 409s and errors, shared by the client threads."""

    lat: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    measure_from: float = 0.0  # monotonic time: latencies of calls started before it (the warm-up) are not kept
    conflicts: int = 0
    diverted: int = 0  # cases left when a task fell to a group the bench has no staff for (an escalation)
    client_cpu: float = 0.0  # CPU seconds of the client threads after the warm-up
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


def server_rows(stats_dir: str, since: float) -> dict[int, list]:
    """Per gunicorn process: its requests (start, op, wall s, thread CPU s, cache hits, misses) in the window."""
    out = {}
    for path in Path(stats_dir).glob("web-*.json"):
        rows = json.loads(path.read_text())
        out[int(path.stem.split("-")[1])] = [r for r in rows if r[0] >= since]
    return out


def report(r: dict) -> None:
    """Print one configuration's figures."""
    tally: Tally = r["tally"]
    ops = sum(len(v) for v in tally.lat.values())
    done = len(tally.lat["complete"])
    fired = r["after"]["fired"] - r["before"]["fired"]
    cleared = f"{r['cleared']:.1f} s" if r.get("cleared") is not None else "not cleared"
    mailed = f"all sent {r['mailed']:.1f} s after start" if r.get("mailed") is not None else "not all sent"
    paced = f"PACED at {r['rate']:g} req/s offered (NOT P3), " if r.get("rate") else ""
    switch = f", GIL switch interval {SWITCH['BENCH_SWITCH_INTERVAL']} s" if SWITCH else ""
    print(f"{paced}N={r['web']} web x {r['threads']} threads (keep-alive {r['keep_alive']} s{switch}), "
          f"M={r['workers']} workers, K={r['clients']} clients, "
          f"{r['wall']:.1f} s: {ops / r['wall']:,.0f} ops/s, {done / r['wall']:,.1f} completions/s; errors "
          f"{len(tally.errors)}, 409s {tally.conflicts}, cases diverted to other groups {tally.diverted}; "
          f"timers fired {fired} (backlog {r['backlog']} cleared in "
          f"{cleared}); mails sent {r['after']['sent'] - r['before']['sent']} ({mailed}); open tasks "
          f"{r['after']['open']:,}; load {r['load'][0]:.1f} {r['load'][1]:.1f} {r['load'][2]:.1f}", flush=True)
    rows = [row for rs in r["server"].values() for row in rs]
    for op in OPS:
        v = tally.lat[op]
        mine = [row for row in rows if row[1] == op]
        cpu = sum(row[3] for row in mine) / max(1, len(mine)) * 1000
        inside = pct([row[2] for row in mine], 50)
        print(f"    {op:<9} n={len(v):>5}  p50 {pct(v, 50):7.1f} ms  p95 {pct(v, 95):7.1f} ms  "
              f"p99 {pct(v, 99):7.1f} ms  | in the app: CPU {cpu:5.1f} ms/request, wall p50 {inside:6.1f} ms",
              flush=True)
    cpu = r["cpu"]
    spent = ", ".join(f"{name} {sec:.1f} s ({sec / r['wall']:.2f} cores, {sec / max(1, ops) * 1000:.1f} ms/op)"
                      for name, sec in cpu.items() if name not in ("machine", "machine_total"))
    ours = sum(sec for name, sec in cpu.items() if name not in ("machine", "machine_total"))
    print(f"    CPU in the window: {spent}; client threads {tally.client_cpu:.1f} s "
          f"({tally.client_cpu / max(1, ops) * 1000:.2f} ms/op); whole machine busy {cpu['machine']:.1f} s of "
          f"{cpu['machine_total']:.1f} s ({cpu['machine'] / r['wall']:.2f} of {os.cpu_count()} cores), of which "
          f"other work {cpu['machine'] - ours:.1f} s", flush=True)
    if not r.get("rate"):  # Little's law for the closed loop: mean time per operation = clients / throughput
        mean = sum(sum(v) for v in tally.lat.values()) / max(1, ops) * 1000
        print(f"    closed loop: mean latency over all operations {mean:.1f} ms; K / throughput = "
              f"{r['clients']} / {ops / r['wall']:.1f} ops/s = {r['clients'] / (ops / r['wall']) * 1000:.1f} ms "
              f"(Little's law)", flush=True)
    app_wall = sum(row[2] for row in rows)
    print(f"    gunicorn threads: in the app {app_wall:.1f} s wall, of it {sum(row[3] for row in rows):.1f} s CPU; "
          f"runnable but waiting for a core (run queue) {r['web_wait']:.1f} s; the rest waits for the GIL or "
          f"PostgreSQL", flush=True)
    for pid, rs in sorted(r["server"].items()):
        if len(rs) >= 2:
            hits, misses = rs[-1][4] - rs[0][4], rs[-1][5] - rs[0][5]
            print(f"    gunicorn {pid}: {len(rs)} requests ({len([x for x in rs if x[1] == 'complete'])} completions), "
                  f"app CPU {sum(x[3] for x in rs):.1f} s, workflow cache {hits} hits / {misses} misses "
                  f"({hits / max(1, hits + misses):.0%})", flush=True)
    for line in tally.errors[:5]:
        print(f"    error: {line}", flush=True)


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
    print(f"P3: 16 clients, M={p3['workers']}, {p3['threads']} threads, "
          f"complete p95 {p95:.1f} ms (target <= 50 ms), errors {len(p3['tally'].errors)}, "
          f"409s {p3['tally'].conflicts}: {'MET' if met else 'NOT MET'}")
