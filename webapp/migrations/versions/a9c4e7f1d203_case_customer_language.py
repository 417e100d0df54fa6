"""case: the customer's language (customer mail is written in it)

Revision ID: a9c4e7f1d203
Revises: f2a6c8d4e1b7
Create Date: 2026-12-04 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a9c4e7f1d203'
down_revision = 'f2a6c8d4e1b7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_language', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_column('customer_language')
