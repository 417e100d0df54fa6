"""report indexes: cases by registration and closure time, events by case and kind, clocks by start

Revision ID: d4a7c2e9b150
Revises: c5e1a9d07b42
Create Date: 2026-12-04 13:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4a7c2e9b150'
down_revision = 'c5e1a9d07b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_case_created_at', 'case_record', ['created_at'], unique=False)
    op.create_index('ix_case_closed_at', 'case_record', ['closed_at'], unique=False)
    op.create_index('ix_event_case_kind', 'event', ['case_id', 'kind'], unique=False)
    op.create_index('ix_event_kind_at', 'event', ['kind', 'at', 'case_id'], unique=False)
    op.create_index('ix_deadline_started', 'deadline',
                    ['started_at', 'name', 'state', 'business_time', 'used_seconds', 'case_id'], unique=False)


def downgrade():
    op.drop_index('ix_deadline_started', table_name='deadline')
    op.drop_index('ix_event_kind_at', table_name='event')
    op.drop_index('ix_event_case_kind', table_name='event')
    op.drop_index('ix_case_closed_at', table_name='case_record')
    op.drop_index('ix_case_created_at', table_name='case_record')
