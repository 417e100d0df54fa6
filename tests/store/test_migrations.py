"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import select, update

from webapp.app import create_app
from webapp.extensions import db
from webapp.models import Instance


def test_upgrade_from_empty_matches_the_models(tmp_path: Path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}", "TESTING": True})
    with app.app_context():
        upgrade(directory=str(Path(app.root_path) / "migrations"))
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


def test_state_column_becomes_bytes_and_old_text_states_survive_up_and_down(tmp_path: Path):
    import base64
    import sqlite3
    import zlib

    from flask_migrate import downgrade

    from webapp.engine.serializer import state_json

    path = tmp_path / "s.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True})
    directory = str(Path(app.root_path) / "migrations")
    text = '{"format":"closeloop-1","tasks":{}}'
    z1 = "z1:" + base64.b64encode(zlib.compress(text.encode())).decode()
    with app.app_context():
        upgrade(directory=directory, revision="a7d3e5f1c9b2")  # the column is text
        db.engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO instance (id, definition_id, process_key, status, state, lock_version, created_at,"
            " updated_at, created_by) VALUES (?, 1, 'p', 'waiting', ?, 1, '2026-01-01', '2026-01-01', 'x')",
            [(1, z1), (2, text)])
    with app.app_context():
        upgrade(directory=directory, revision="2d3a107d0255")
        states = dict(db.session.execute(select(Instance.id, Instance.state)).all())
        assert states == {1: z1.encode(), 2: text.encode()}  # bytes now, read as they were
        assert {state_json(s) for s in states.values()} == {text}
        db.session.execute(update(Instance).where(Instance.id == 1).values(state=b"z2:" + zlib.compress(b"{}")))
        db.session.commit()
        db.session.remove()
        downgrade(directory=directory, revision="a7d3e5f1c9b2")
        db.engine.dispose()
    with sqlite3.connect(path) as conn:
        back = dict(conn.execute("SELECT id, state FROM instance").fetchall())
    assert back[2] == text and state_json(back[1]) == "{}"  # text again: base64 of the zlib bytes after "z1:"
