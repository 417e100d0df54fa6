"""Load-independent figures of the real pack's grievance path: CPU time and SQL statements per completion.

On a shared machine wall-clock rates move with the load; the process CPU time of each completion and the number
of statements it sends move far less, so an A/B of two branches in the same minute compares these.

Run: .venv/bin/python bench/cpu.py [--cases 8] [--pg] [--fixture]  (--fixture: the bench's fixture grievance too)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # bench/http.py must not shadow the stdlib package

from bench.common import PG_URL, pg_available  # noqa: E402


def measure(url: str | None, cases: int) -> tuple[float, float, Counter[str], int]:
    """(CPU ms per completion, wall ms per completion, statements by kind, completions) after one warm-up case."""
    from sqlalchemy import event, select

    from bench import realpack
    from webapp.extensions import db
    from webapp.models import User
    from webapp.tasks import service as tasks

    app = realpack.make_pack_app(url)
    kinds: Counter[str] = Counter()
    counting = [False]
    cpu = [0.0, 0.0]
    with app.app_context():

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if counting[0]:
                words = statement.split()
                kinds[" ".join(words[:3] if words[0] in ("INSERT", "UPDATE") else words[:1])] += 1

        users = {u.username: u for u in db.session.scalars(select(User))}
        sizes: dict[str, list[int]] = {"registration": [], "mid-way": [], "closure": []}
        realpack.drive_case(db.session, users, [], sizes, 10_000)  # warm-up: caches, compiled scripts
        original = tasks.complete

        def counted(*args: Any, **kwargs: Any) -> Any:
            counting[0] = True
            c0, t0 = time.process_time(), time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                counting[0] = False
                cpu[0] += time.process_time() - c0
                cpu[1] += time.perf_counter() - t0

        tasks.complete = counted  # type: ignore[assignment]
        samples: list[float] = []
        try:
            for n in range(cases):
                realpack.drive_case(db.session, users, samples, sizes, n)
        finally:
            tasks.complete = original  # type: ignore[assignment]
        db.session.remove()
        db.engine.dispose()
    done = len(samples)
    return cpu[0] * 1000 / done, cpu[1] * 1000 / done, kinds, done


def fixture(url: str | None, cases: int) -> tuple[float, int]:
    """(CPU ms per completion, completions) of the fixture grievance (bench/runtime.py's (2)) after a warm-up."""
    from sqlalchemy import select

    from bench.common import make_app
    from bench.runtime import INTAKE, STEPS
    from webapp.cases import service as case_service
    from webapp.extensions import db
    from webapp.models import HumanTask, User
    from webapp.tasks import service as tasks

    app = make_app(url)
    cpu, done = 0.0, 0
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "agent")).one()
        for n in range(cases + 1):
            case_id = case_service.register(db.session, dict(INTAKE), "agent").id
            for _title, data in STEPS:
                task_id = db.session.scalars(select(HumanTask.id).where(
                    HumanTask.case_id == case_id, HumanTask.state == "open")).first()
                c0 = time.process_time()
                tasks.complete(db.session, task_id, data, user)
                if n:  # the first case warms up
                    cpu, done = cpu + time.process_time() - c0, done + 1
        db.session.remove()
        db.engine.dispose()
    return cpu * 1000 / done, done


def main() -> None:
    """Print CPU ms and statements per completion on SQLite (and PostgreSQL with --pg)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=8)
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--fixture", action="store_true", help="also the bench's fixture grievance diagram")
    args = parser.parse_args()
    targets = [("SQLite", None)] + ([("PostgreSQL", PG_URL)] if args.pg and pg_available() else [])
    for label, url in targets:
        cpu_ms, wall_ms, kinds, done = measure(url, args.cases)
        per = ", ".join(f"{k} {v / done:.1f}" for k, v in kinds.most_common())
        print(f"{label}: real pack, {done} completions: CPU {cpu_ms:.2f} ms per completion (wall {wall_ms:.1f} ms, "
              f"load {os.getloadavg()[0]:.1f}); {sum(kinds.values()) / done:.1f} statements per completion ({per})")
        if args.fixture:
            cpu_ms, done = fixture(url, args.cases * 3)
            print(f"{label}: fixture grievance, {done} completions: CPU {cpu_ms:.2f} ms per completion "
                  f"(load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
