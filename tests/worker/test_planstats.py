"""The worker analyzes a claim table whose size grew far past its planner statistics (a bulk import, PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import on_postgres
from tests.worker.test_claims import due_grievances
from webapp.extensions import db
from webapp.models import Timer
from webapp.worker.planstats import GROWTH, MIN_PAGES, PlanStats


def _pages(table: str) -> tuple[int, int]:
    """(pages on disk, pages the statistics describe) of a table."""
    row = db.session.execute(text(
        "SELECT pg_relation_size(oid) / current_setting('block_size')::int, relpages FROM pg_class "
        "WHERE relname = :t AND relnamespace = current_schema()::regnamespace"), {"t": table}).one()
    return int(row[0]), int(row[1])


def test_a_bulk_import_of_timers_gets_analyzed_once(app, users, mini):
    checks = PlanStats()
    if not on_postgres():
        assert checks.maybe_analyze(db.session) == []  # SQLite: nothing to do
        return
    due_grievances(1)
    db.session.commit()
    db.session.connection().exec_driver_sql("ANALYZE timer, instance, deadline, outbox")
    db.session.commit()
    assert PlanStats().maybe_analyze(db.session) == [], "fresh statistics: nothing to analyze"
    instance_id = db.session.query(Timer.instance_id).limit(1).scalar()
    batch = 0
    while _pages("timer")[0] <= max(GROWTH * _pages("timer")[1], MIN_PAGES):  # an import without ANALYZE
        db.session.execute(text(
            "INSERT INTO timer (instance_id, task_id, spec_id, name, state) SELECT :i, :b || '-' || g, 's', '', "
            "'fired' FROM generate_series(1, 2000) g"), {"i": instance_id, "b": f"import-{batch}"})
        db.session.commit()
        batch += 1
    assert checks.maybe_analyze(db.session) == ["timer"]
    pages, described = _pages("timer")
    assert described == pages, "ANALYZE brought the statistics up to the table's size"
    assert checks.maybe_analyze(db.session) == [], "the next check waits CHECK_SECONDS"
    assert PlanStats().maybe_analyze(db.session) == [] and checks.analyzed == ["timer"]
