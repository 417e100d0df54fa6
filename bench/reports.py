"""KPI report latency: the query for one month over 100,000 cases with their clocks, and /reports through Flask.

Cases are bulk-inserted as rows over twelve months (instances, cases, three clocks each, grading, survey,
reopen and escalation events), then the March report is timed: `service.kpis` (every figure) and the page
(routing, session, queries, Jinja, i18n). Targets: KPI query <= 300 ms, page <= 500 ms (issue 15).

Run: .venv/bin/python bench/reports.py [--cases 100000] [--repeat 10] [--pg]
(--pg uses REPORTS_PG_URL, default the closeloop_reports database, whose schema is dropped and recreated.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # bench/http.py would shadow the stdlib package

from sqlalchemy import insert, text  # noqa: E402

from bench.common import make_app, percentiles, timed  # noqa: E402

PG = os.environ.get("REPORTS_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/closeloop_reports")
KINDS = ("grievance", "grievance", "inquiry", "new_failure", "rescue")
CHANNELS = ("phone", "email", "web", "walk_in")
CATEGORIES = ("parts", "engine", "staff_attitude", "billing", "delivery")
CLOCKS = (("T5-first-response", "EOD", True), ("K1", "P14D", False), ("T4-appointment", "PT2H", False))


def _case(i: int, start: datetime) -> dict[str, Any]:
    created = start + timedelta(minutes=(i * 5.256) % 525600)  # spread over one year
    closed = created + timedelta(days=i % 20) if i % 4 else None
    status = "closed" if closed else ("handling" if i % 3 else "open")
    if i % 97 == 0:
        status = "closed_malicious"
    return {"id": i, "number": f"CL-R-{i:07d}", "instance_id": i, "channel": CHANNELS[i % 4],
            "kind": KINDS[i % 5], "category": CATEGORIES[i % 5], "subject": f"subject {i % 300}",
            "customer_name": f"Customer {i}", "customer_phone": f"139{i:08d}", "description": "bench",
            "facts": {}, "record": {"responsible_department": f"Dept {i % 7}"}, "registered_by": "bench",
            "status": status, "grade": f"G{1 + i % 4}", "tier": 1 + i % 3, "created_at": created,
            "updated_at": created, "closed_at": closed}


def _clocks(case: dict[str, Any], n: int) -> list[dict[str, Any]]:
    out = []
    for j, (name, duration, business) in enumerate(CLOCKS):
        started = case["created_at"]
        due = started + timedelta(hours=2 if j != 1 else 24 * 14)
        missed = (case["id"] + j) % 6 == 0
        stopped = due + timedelta(minutes=30) if missed else started + timedelta(minutes=30 + case["id"] % 60)
        out.append({"id": n + j, "instance_id": case["id"], "case_id": case["id"], "case_number": case["number"],
                    "name": name, "duration": duration, "business_time": business,
                    "state": "missed" if missed else "met", "started_at": started, "due_at": due, "warn_at": due,
                    "budget_seconds": 7200.0, "used_seconds": (stopped - started).total_seconds(),
                    "warn_fraction": 0.8, "paused_total": 0.0,
                    "stopped_at": stopped, "started_by": "bench"})
    return out


def _events(case: dict[str, Any]) -> list[dict[str, Any]]:
    at, i = case["created_at"], case["id"]
    out = [{"instance_id": i, "case_id": i, "at": at, "actor": "bench", "kind": "first_contact", "data": {}},
           {"instance_id": i, "case_id": i, "at": at, "actor": "bench", "kind": "graded",
            "data": {"grade": case["grade"], "rule": "G3-a" if i % 50 == 0 else "G4"}}]
    if case["closed_at"]:
        out.append({"instance_id": i, "case_id": i, "at": case["closed_at"], "actor": "bench", "kind": "survey",
                    "data": {"score": 1 + i % 5}})
    if i % 40 == 0:
        out.append({"instance_id": i, "case_id": i, "at": at, "actor": "bench", "kind": "case_reopened", "data": {}})
    if i % 30 == 0:
        out.append({"instance_id": i, "case_id": i, "at": at, "actor": "bench", "kind": "escalated", "data": {}})
    return out


def load(app: Any, count: int) -> None:
    """Insert `count` cases with instances, three clocks and two to five events each."""
    from webapp.deadlines.models import Deadline
    from webapp.extensions import db
    from webapp.models import Case, Event, Instance, ProcessDefinition

    start = datetime(2025, 10, 1, tzinfo=UTC)
    with app.app_context():
        definition_id = db.session.query(ProcessDefinition.id).first()[0]
        for offset in range(1, count + 1, 5000):
            cases = [_case(i, start) for i in range(offset, min(count, offset + 4999) + 1)]
            db.session.execute(insert(Instance), [
                {"id": c["id"], "definition_id": definition_id, "process_key": "complaint", "status": "complete",
                 "state": None, "lock_version": 1, "created_by": "bench"} for c in cases])
            db.session.execute(insert(Case), cases)
            db.session.execute(insert(Deadline), [d for c in cases for d in _clocks(c, c["id"] * 3)])
            db.session.execute(insert(Event), [e for c in cases for e in _events(c)])
            db.session.commit()
        if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk insert (PostgreSQL 13+):
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # statistics, and the visibility map index-only scans need


def run(url: str | None, count: int, repeat: int) -> None:
    """Print p50/p95 of the KPI query and of the page for March 2026."""
    from webapp.accounts.service import create_user
    from webapp.extensions import db
    from webapp.reports import filters, service

    app = make_app(url)
    load(app, count)
    label = "postgresql" if url else "sqlite"
    with app.app_context():
        create_user(db.session, "boss", "bench-pass-1", ["general_manager"])
        db.session.commit()
        period, f = filters.parse({"from": "2026-03-01", "to": "2026-03-31"}, "Asia/Shanghai")
        k = service.kpis(db.session, period, f)
        print(f"{label}: {count} cases; March: registered {k['volume']['registered']}, "
              f"clocks {sum(d['started'] for d in k['deadlines'])}")
        p50, p95 = percentiles(timed(lambda: service.kpis(db.session, period, f), repeat))
        print(f"{label}: KPI query, one month        p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (target <= 300)  "
              f"load {os.getloadavg()[0]:.1f}")
        cpu = cpu_ms(lambda: service.kpis(db.session, period, f), repeat,
                     db.session.scalar(text("SELECT pg_backend_pid()")) if url else None)
        print(f"{label}: KPI query CPU time (this process + its PostgreSQL backend; hardly load-dependent) "
              f"median {cpu:7.1f} ms")
    client = app.test_client()
    assert client.post("/login", data={"username": "boss", "password": "bench-pass-1"}).status_code == 302

    def page() -> None:
        r = client.get("/reports/?from=2026-03-01&to=2026-03-31")
        assert r.status_code == 200, r.status_code

    p50, p95 = percentiles(timed(page, repeat))
    print(f"{label}: /reports page through Flask  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (target <= 500)  "
          f"load {os.getloadavg()[0]:.1f}")


def _backend_seconds(pid: int | None) -> float:
    """CPU seconds a PostgreSQL backend on this machine has used (0 for SQLite, which runs in this process)."""
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_ms(fn: Any, repeat: int, backend: int | None) -> float:
    """Median CPU milliseconds of fn: this process and the database backend it talks to (parallel workers of
    PostgreSQL not counted). Under a loaded machine this says more than wall time."""
    out = []
    for _ in range(repeat):
        b0, c0 = _backend_seconds(backend), time.process_time()
        fn()
        out.append((time.process_time() - c0 + _backend_seconds(backend) - b0) * 1000)
    return statistics.median(out)


def main() -> None:
    """Parse arguments and run on SQLite, or on PostgreSQL with --pg."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--pg", action="store_true")
    args = parser.parse_args()
    run(PG if args.pg else None, args.cases, args.repeat)


if __name__ == "__main__":
    main()
