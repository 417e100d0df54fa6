"""instance.state as bytes (BLOB / bytea): zlib JSON without the base64 third (issue 16 item 1)

Revision ID: 2d3a107d0255
Revises: a7d3e5f1c9b2
Create Date: 2026-12-04 17:00:00.000000

States written before stay readable as they are (webapp/engine/serializer.py reads "z1:" base64 text and plain
JSON from the binary column); each is stored in the binary form at its next transition.
"""
import base64

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '2d3a107d0255'
down_revision = 'a7d3e5f1c9b2'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE instance ALTER COLUMN state TYPE bytea USING convert_to(state, 'UTF8')")
        return
    # SQLite: the column stays declared TEXT (see webapp.db_types.StateBytes); only the values become BLOBs
    op.execute("UPDATE instance SET state = CAST(state AS BLOB) WHERE typeof(state) = 'text'")


def downgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, state FROM instance WHERE state IS NOT NULL")).fetchall()
    texts = {row.id: _as_text(bytes(row.state)) for row in rows}
    if bind.dialect.name == 'postgresql':
        op.execute("ALTER TABLE instance ALTER COLUMN state TYPE text USING NULL")
    update = sa.text("UPDATE instance SET state = :state WHERE id = :id")
    for instance_id, state in texts.items():
        bind.execute(update, {"id": instance_id, "state": state})


def _as_text(state: bytes) -> str:
    """The text form the column held before: "z1:" + base64 of the zlib JSON (text states stay as they were)."""
    if state.startswith(b'z2:'):
        return 'z1:' + base64.b64encode(state[3:]).decode('ascii')
    return state.decode()
