"""master data: categories, departments, service points, objects, channels with history; case object and
issue; a task moved up a tier by a missed deadline

Revision ID: b7d1e2f3a4c5
Revises: d4a7c2e9b150
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401

import webapp.db_types  # noqa: F401
from sqlalchemy.dialects import postgresql

revision = 'b7d1e2f3a4c5'
down_revision = 'd4a7c2e9b150'
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade():
    op.create_table(
        'master_item',
        sa.Column('id', BIGID, nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('name_zh', sa.String(length=200), nullable=False),
        sa.Column('attrs', JSON, nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.Column('updated_at', webapp.db_types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'key', name='uq_master_item_kind_key'),
    )
    op.create_table(
        'master_history',
        sa.Column('id', BIGID, nullable=False),
        sa.Column('item_id', BIGID, nullable=False),
        sa.Column('at', webapp.db_types.UtcDateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('before', JSON, nullable=True),
        sa.Column('after', JSON, nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['master_item.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('master_history', schema=None) as batch_op:
        batch_op.create_index('ix_master_history_item', ['item_id', 'id'], unique=False)
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('issue_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('issue_chosen', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_case_issue', ['issue_key', 'created_at'], unique=False)
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_group', sa.String(length=80), nullable=True))
    _backfill_issue_keys()


def _backfill_issue_keys():
    """Existing cases get the issue of their normalised subject (the rule of webapp.masterdata.issues, frozen)."""
    import re
    import unicodedata

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, subject FROM case_record WHERE subject IS NOT NULL")).all()
    for ident, subject in rows:
        folded = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", subject).casefold())[:100]
        if folded:
            conn.execute(sa.text("UPDATE case_record SET issue_key = :k WHERE id = :i"),
                         {"k": "subject:" + folded, "i": ident})


def downgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_column('escalated_group')
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index('ix_case_issue')
        batch_op.drop_column('issue_chosen')
        batch_op.drop_column('issue_key')
        batch_op.drop_column('object_key')
    with op.batch_alter_table('master_history', schema=None) as batch_op:
        batch_op.drop_index('ix_master_history_item')
    op.drop_table('master_history')
    op.drop_table('master_item')
