"""assessment register and lessons register (issue 15 parts 2 and 3)

Revision ID: e8b3f1a6c2d9
Revises: c4e9a1f2d7b3
Create Date: 2026-12-04 15:00:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import webapp.db_types

# revision identifiers, used by Alembic.
revision = 'e8b3f1a6c2d9'
down_revision = 'c4e9a1f2d7b3'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'assessment',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('case_id', BIG_ID, nullable=True),
        sa.Column('case_number', sa.String(length=40), nullable=True),
        sa.Column('target', sa.String(length=200), nullable=False),
        sa.Column('target_type', sa.String(length=20), nullable=False),
        sa.Column('rule', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('proposed_at', webapp.db_types.UtcDateTime(timezone=True), nullable=False),
        sa.Column('proposed_by', sa.String(length=80), nullable=False),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('measure', sa.Text(), nullable=True),
        sa.Column('decided_by', sa.String(length=80), nullable=True),
        sa.Column('decided_at', webapp.db_types.UtcDateTime(timezone=True), nullable=True),
        sa.Column('execution_note', sa.Text(), nullable=True),
        sa.Column('executed_by', sa.String(length=80), nullable=True),
        sa.Column('executed_at', webapp.db_types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_assessment_case_id', 'assessment', ['case_id'], unique=False)
    op.create_index('ix_assessment_state_id', 'assessment', ['state', 'id'], unique=False)
    op.create_index('ix_assessment_proposed', 'assessment', ['proposed_at', 'target'], unique=False)
    op.create_table(
        'lesson',
        sa.Column('id', BIG_ID, nullable=False),
        sa.Column('case_id', BIG_ID, nullable=True),
        sa.Column('case_number', sa.String(length=40), nullable=True),
        sa.Column('category', sa.String(length=80), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=True),
        sa.Column('cause', sa.Text(), nullable=False),
        sa.Column('risk', sa.Text(), nullable=False),
        sa.Column('improvement', sa.Text(), nullable=False),
        sa.Column('owner', sa.String(length=80), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('linked_cases', JSON, nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.Column('created_at', webapp.db_types.UtcDateTime(timezone=True), nullable=False),
        sa.Column('done_by', sa.String(length=80), nullable=True),
        sa.Column('done_at', webapp.db_types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_lesson_case_id', 'lesson', ['case_id'], unique=False)
    op.create_index('ix_lesson_owner', 'lesson', ['owner'], unique=False)
    op.create_index('ix_lesson_category_subject', 'lesson', ['category', 'subject', 'created_at'], unique=False)


def downgrade():
    op.drop_table('lesson')
    op.drop_table('assessment')
