"""A transaction PostgreSQL rolled back as a deadlock or serialization victim is a lost race (409), not a 500."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from webapp.errors import lost_race


class _Orig(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_deadlock_and_serialization_victims_and_stale_versions_are_lost_races() -> None:
    assert lost_race(StaleDataError("version changed"))
    assert lost_race(OperationalError("UPDATE instance", {}, _Orig("40P01")))  # deadlock_detected
    assert lost_race(OperationalError("UPDATE instance", {}, _Orig("40001")))  # serialization_failure


def test_other_database_errors_are_not_lost_races() -> None:
    assert not lost_race(OperationalError("SELECT 1", {}, _Orig("08006")))  # connection failure
    assert not lost_race(OperationalError("SELECT 1", {}, _Orig(None)))  # SQLite's errors carry no SQLSTATE
    assert not lost_race(ValueError("not a database error"))
