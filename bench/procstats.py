"""CPU seconds of process groups from /proc, for bench/scale.py: threads' CPU and run-queue wait, the machine."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def cpu_ns(pids: list[int], field_: int = 0) -> int:
    """CPU nanoseconds so far of the processes `pids`, all their threads (/proc/<pid>/task/*/schedstat).

    field_ 1: instead, the nanoseconds their threads were runnable but waited for a core (the run queue)."""
    total = 0
    for pid in pids:
        if pid == os.getpid() and field_ == 0:  # this process: its ended client threads count too
            times = os.times()
            total += int((times.user + times.system) * 1e9)
            continue
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue  # the process ended
        for task in tasks:
            try:
                total += int((task / "schedstat").read_text().split()[field_])
            except (OSError, ValueError, IndexError):
                continue  # a thread that ended meanwhile
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (/proc/stat; idle and iowait not busy)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    total = sum(fields[:8])
    return (total - fields[3] - fields[4]) / hz, total / hz


def children(pid: int) -> list[int]:
    """The direct children of a process (gunicorn's workers)."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def pg_backends(url: str) -> list[int]:
    """Process ids of the PostgreSQL backends connected to the bench database (not this query's own)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        rows = conn.execute("select pid from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
                            (name,)).fetchall()
    return [int(r[0]) for r in rows]


@dataclass
class CpuWindow:
    """CPU seconds per process group between two snapshots (start: the end of the warm-up)."""

    groups: dict[str, list[int]]
    start: dict[str, int] = field(default_factory=dict)
    busy0: tuple[float, float] = (0.0, 0.0)
    seconds: dict[str, float] = field(default_factory=dict)
    wait0: int = 0
    web_wait: float = 0.0  # seconds the gunicorn threads were runnable but waited for a core

    def begin(self) -> None:
        """Snapshot every group and the machine."""
        self.start = {name: cpu_ns(pids) for name, pids in self.groups.items()}
        self.wait0 = cpu_ns(self.groups["web"], 1)
        self.busy0 = machine_busy()

    def end(self, extra_pg: list[int]) -> None:
        """Snapshot again; PostgreSQL backends opened during the window count from zero."""
        new_pg = [p for p in extra_pg if p not in self.groups["postgres"]]
        for name, pids in self.groups.items():
            self.seconds[name] = (cpu_ns(pids) - self.start[name]) / 1e9
        self.seconds["postgres"] += cpu_ns(new_pg) / 1e9
        self.web_wait = (cpu_ns(self.groups["web"], 1) - self.wait0) / 1e9
        busy, total = machine_busy()
        self.seconds["machine"] = busy - self.busy0[0]
        self.seconds["machine_total"] = total - self.busy0[1]
