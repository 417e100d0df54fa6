"""assessment.instance_id: the workflow instance of each assessment proposal (issue 15 part 2)

Revision ID: f2a6c8d4e1b7
Revises: f2c8a4d61e07
Create Date: 2026-12-04 17:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2a6c8d4e1b7'
down_revision = 'f2c8a4d61e07'
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('assessment') as batch:
        batch.add_column(sa.Column('instance_id', BIG_ID, nullable=True))
        batch.create_index('ix_assessment_instance_id', ['instance_id'])
        batch.create_foreign_key('fk_assessment_instance_id', 'instance', ['instance_id'], ['id'],
                                 ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('assessment') as batch:
        batch.drop_constraint('fk_assessment_instance_id', type_='foreignkey')
        batch.drop_index('ix_assessment_instance_id')
        batch.drop_column('instance_id')
