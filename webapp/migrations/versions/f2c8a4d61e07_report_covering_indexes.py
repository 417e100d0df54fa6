"""report covering indexes: cases by registration with the columns the counts read; missed clocks still running

Revision ID: f2c8a4d61e07
Revises: f3a8d1c6b2e7
Create Date: 2026-12-04 16:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f2c8a4d61e07'
down_revision = 'f3a8d1c6b2e7'
branch_labels = None
depends_on = None

REGISTERED = ['created_at', 'status', 'closed_at', 'grade', 'kind', 'channel', 'category', 'tier']


def upgrade():
    op.create_index('ix_case_registered', 'case_record', REGISTERED, unique=False)
    op.drop_index('ix_case_created_at', table_name='case_record')  # the new index starts with created_at
    op.create_index('ix_deadline_late', 'deadline', ['state', 'stopped_at', 'case_id'], unique=False)


def downgrade():
    op.drop_index('ix_deadline_late', table_name='deadline')
    op.create_index('ix_case_created_at', 'case_record', ['created_at'], unique=False)
    op.drop_index('ix_case_registered', table_name='case_record')
