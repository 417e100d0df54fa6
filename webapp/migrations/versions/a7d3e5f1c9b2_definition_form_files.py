"""process definition form files (the forms as the owner wrote them, for export)

Revision ID: a7d3e5f1c9b2
Revises: a9c4e7f1d203
Create Date: 2026-12-04 19:35:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'a7d3e5f1c9b2'
down_revision = 'a9c4e7f1d203'
branch_labels = None
depends_on = None


def upgrade():
    json = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    op.add_column('process_definition', sa.Column('form_files', json, nullable=True))


def downgrade():
    op.drop_column('process_definition', 'form_files')
