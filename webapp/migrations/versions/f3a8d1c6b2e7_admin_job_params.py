"""admin job parameters (a migrate job's target version)

Revision ID: f3a8d1c6b2e7
Revises: e8b3f1a6c2d9
Create Date: 2026-12-04 16:40:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'f3a8d1c6b2e7'
down_revision = 'e8b3f1a6c2d9'
branch_labels = None
depends_on = None


def upgrade():
    json = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    op.add_column('admin_job', sa.Column('params', json, nullable=True))


def downgrade():
    op.drop_column('admin_job', 'params')
