"""Connection settings: PostgreSQL session options in the startup packet, prepared statements kept over rollbacks."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import on_postgres
from webapp import config
from webapp.extensions import db

pg_only = pytest.mark.skipif(not on_postgres(), reason="psycopg's prepared statements are PostgreSQL's")


def test_postgres_engine_options_carry_the_session_settings() -> None:
    options = config.engine_options("postgresql+psycopg://u@h/d", {})
    assert "pool_pre_ping" not in options, "a round trip per checkout"
    assert options["connect_args"] == {"options": "-c jit=off", "prepare_threshold": config.PREPARE_THRESHOLD}
    relaxed = config.engine_options("postgresql+psycopg://u@h/d", {"CLOSELOOP_PG_SYNCHRONOUS_COMMIT": "off"})
    assert relaxed["connect_args"]["options"] == "-c jit=off -c synchronous_commit=off"
    with pytest.raises(ValueError, match="PG_SYNCHRONOUS_COMMIT"):
        config.engine_options("postgresql+psycopg://u@h/d", {"PG_SYNCHRONOUS_COMMIT": "sometimes"})
    assert "prepare_threshold" not in config.engine_options("sqlite:///x.db", {})["connect_args"]


@pg_only
def test_a_rollback_keeps_the_connections_prepared_statements(app) -> None:
    with db.engine.connect() as conn:  # one connection throughout
        assert conn.scalar(text("SHOW jit")) == "off"
        # by default the app leaves synchronous_commit to the server (the test databases set it off per database)
        source = text("SELECT source FROM pg_settings WHERE name = 'synchronous_commit'")
        assert conn.scalar(source) != "client"
        for _ in range(config.PREPARE_THRESHOLD + 1):
            assert conn.scalar(text("SELECT CAST(:n AS int) + 1"), {"n": 41}) == 42
        prepared = text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT CAST(%'")
        assert conn.scalar(prepared) == 1, "prepared from its second execution"
        conn.rollback()  # a read-only transaction ends
        assert conn.scalar(prepared) == 1, "no DEALLOCATE ALL"
        assert conn.scalar(text("SELECT CAST(:n AS int) + 1"), {"n": 1}) == 2
        conn.rollback()
        with pytest.raises(Exception, match="division by zero"):
            conn.execute(text("SELECT 1 / CAST(:z AS int)"), {"z": 0})
        conn.rollback()  # out of a failed transaction
        assert conn.scalar(text("SELECT CAST(:n AS int) + 1"), {"n": 2}) == 3
