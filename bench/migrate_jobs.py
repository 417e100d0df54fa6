"""Migrate as a background job: the request that queues N instances, and the worker's migrations per second.

    python -m bench.migrate_jobs [N] [--pg]

N mini grievances on version 1, version 2 deployed (a task renamed, its timer 6 h instead of 4); the admin queues
one migrate job by filter through the API (timed: the request only writes the job row), then the job runs in
batches of 50 as the worker runs it (timed: migrations/s, each its own transaction with audit and timeline).
"""

from __future__ import annotations

import sys
import time

from bench.common import FIXTURES, PG_URL, make_app, pg_available


def main(n: int, pg: bool) -> None:
    """Print the queue request time and the job's migration rate."""
    from tests.admin.test_migrate_jobs import mini_v2
    from webapp.accounts.service import create_user
    from webapp.admin import jobs
    from webapp.cases import service as cases
    from webapp.extensions import db

    app = make_app(PG_URL if pg else None)
    with app.app_context():
        create_user(db.session, "admin", "bench-pass-1", ["admin"])
        db.session.commit()
        t0 = time.perf_counter()
        for i in range(n):
            cases.register(db.session, {"channel": "phone", "kind": "grievance", "category": "staff_attitude",
                                        "subject": f"Point {i}", "description": "bench",
                                        "customer": {"name": f"C{i}", "phone": f"139{i:08d}"}}, "agent")
        print(f"registered {n} instances in {time.perf_counter() - t0:.1f} s")
        assert (FIXTURES / "processes" / "mini.bpmn").exists()
        mini_v2()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": "bench-pass-1"}).get_json()
    t0 = time.perf_counter()
    r = client.post("/api/v1/jobs", headers={"Authorization": f"Bearer {token['token']}"}, json={
        "action": "migrate", "to_version": 2, "reason": "bench", "filter": {"process": "complaint", "version": 1}})
    queued = time.perf_counter() - t0
    assert r.status_code == 202, r.get_json()
    print(f"POST /api/v1/jobs (migrate, {r.get_json()['total']} instances by filter): {queued * 1000:.0f} ms")
    with app.app_context():
        t0 = time.perf_counter()
        done = 0
        while step := jobs.run_batch(db.session, batch=50):
            done += step
        took = time.perf_counter() - t0
        job = jobs.get(db.session, r.get_json()["id"])
        print(f"job: {done} instances in {took:.1f} s = {done / took:.0f} migrations/s; counts {job.counts}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    use_pg = "--pg" in sys.argv
    if use_pg and not pg_available():
        sys.exit("PostgreSQL is not reachable")
    main(int(args[0]) if args else 2000, use_pg)
