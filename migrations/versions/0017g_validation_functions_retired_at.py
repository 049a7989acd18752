"""validation functions and test cases can be retired: they stay on record, struck through, and leave the coverage of
new drafts (functions) or the protocol's content (test cases)

Upgrade rule: every existing function and test case is in use (retired_at stays empty).
"""
from alembic import op

import sqlalchemy as sa

revision = '0017g'  # created 2026-11-30 09:15:00
down_revision = '0017f'


def upgrade():
    with op.batch_alter_table('validation_functions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('validation_test_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('validation_test_cases', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
    with op.batch_alter_table('validation_functions', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
