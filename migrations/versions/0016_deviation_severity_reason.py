"""deviations keep the reason QA gave for changing their severity at closure

Upgrade rule: existing deviations get an empty reason (their severity changes were not asked for one).
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'  # created 2026-11-30 06:15:00
down_revision = '0014g'


def upgrade():
    with op.batch_alter_table('validation_deviations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('severity_reason', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('validation_deviations', schema=None) as batch_op:
        batch_op.drop_column('severity_reason')
