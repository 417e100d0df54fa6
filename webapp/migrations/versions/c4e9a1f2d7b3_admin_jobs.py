"""admin jobs (bulk admin actions run by the worker in the background)

Revision ID: c4e9a1f2d7b3
Revises: b7d1e2f3a4c5
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.db_types
from sqlalchemy.dialects import postgresql

revision = 'c4e9a1f2d7b3'
down_revision = 'b7d1e2f3a4c5'
branch_labels = None
depends_on = None


def upgrade():
    json = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    op.create_table('admin_job',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', webapp.db_types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('bulk_id', sa.String(length=36), nullable=False),
    sa.Column('ids', json, nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('counts', json, nullable=False),
    sa.Column('problems', json, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('lease_until', webapp.db_types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', webapp.db_types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', webapp.db_types.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_admin_job_status', 'admin_job', ['status', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_admin_job_status', table_name='admin_job')
    op.drop_table('admin_job')
