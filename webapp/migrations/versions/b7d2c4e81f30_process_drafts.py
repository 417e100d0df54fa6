"""process drafts (the studio: an owner's unsaved work per process)

Revision ID: b7d2c4e81f30
Revises: 9188d6a9c7c2
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.db_types
from sqlalchemy.dialects import postgresql

revision = 'b7d2c4e81f30'
down_revision = '9188d6a9c7c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('process_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=80), nullable=False),
    sa.Column('process_key', sa.String(length=200), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('forms', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('updated_at', webapp.db_types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner', 'process_key')
    )


def downgrade():
    op.drop_table('process_draft')
