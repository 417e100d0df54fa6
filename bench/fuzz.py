"""Full schema-driven fuzz run over every API v1 route (Schemathesis/Hypothesis against /api/v1/openapi.json).

Run: .venv/bin/python bench/fuzz.py [--requests 10000] [--pg]
Prints requests sent, answers by status, requests per operation, every 5xx and any half-written rows.
Exit status 1 on any 5xx or half-written row.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import PG_URL, pg_available  # noqa: E402


def main() -> int:
    """Build an app with the demo users and the real process pack, fuzz it, print the numbers."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (PG_URL / DATABASE_URL) instead of SQLite")
    args = parser.parse_args()
    from sqlalchemy import text

    from tests.conftest import PASSWORD, ROOT, USERS
    from tests.security.fuzzing import fuzz, half_written
    from webapp.accounts.service import create_user
    from webapp.app import create_app
    from webapp.cases import service as cases
    from webapp.extensions import db
    from webapp.workflow.definitions import deploy_directory

    tmp = Path(tempfile.mkdtemp(prefix="closeloop-fuzz-"))
    if args.pg and not pg_available():
        print("PostgreSQL not reachable")
        return 2
    url = PG_URL if args.pg else f"sqlite:///{tmp / 'fuzz.db'}"
    app = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "fuzz", "UPLOAD_DIR": str(tmp / "uploads"), "LOGIN_IP_FAILURES": 10**6})
    with app.app_context():
        if args.pg:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        for username, groups, supervises in USERS:
            create_user(db.session, username, PASSWORD, groups, username, f"{username}@example.test", supervises)
        db.session.commit()
        deploy_directory(db.session, ROOT / "processes", ROOT / "forms", "fuzz")
        for n in range(5):
            cases.register(db.session, {"channel": "phone", "kind": "grievance", "category": "staff_attitude",
                                        "customer": {"name": f"Fuzz {n}", "phone": f"1380000000{n}"},
                                        "description": "fuzz seed case"}, "agent")
        db.session.remove()
    start = time.perf_counter()

    def progress(stats: object) -> None:
        print(f"  ... {stats.requests} requests, {len(stats.failures)} failures", flush=True)  # type: ignore[attr-defined]

    stats = fuzz(app, "admin", PASSWORD, target=args.requests, per_round=40, progress=progress)
    seconds = time.perf_counter() - start
    problems = half_written(app)
    print(f"database: {'PostgreSQL' if args.pg else 'SQLite'}")
    print(f"requests: {stats.requests} in {seconds:.0f} s ({stats.requests / seconds:.0f}/s), "
          f"operations: {len(stats.per_operation)}")
    print("statuses: " + ", ".join(f"{code}: {count}" for code, count in sorted(stats.statuses.items())))
    for label, count in sorted(stats.per_operation.items()):
        print(f"  {count:6d}  {label}")
    fivexx = sum(count for code, count in stats.statuses.items() if code >= 500)
    print(f"5xx: {fivexx}; failures: {len(stats.failures)}")
    for failure in stats.failures[:50]:
        print("  " + failure)
    print("half-written: " + ("; ".join(problems) if problems else "none"))
    return 1 if fivexx or problems else 0


if __name__ == "__main__":
    sys.exit(main())
