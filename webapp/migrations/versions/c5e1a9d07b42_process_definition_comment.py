"""process definition: deploy comment

Revision ID: c5e1a9d07b42
Revises: b7d2c4e81f30
Create Date: 2026-12-04 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c5e1a9d07b42'
down_revision = 'b7d2c4e81f30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.drop_column('comment')
