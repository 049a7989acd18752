"""users choose how they hear of their tasks: each reminder as it comes, one daily digest, or no e-mail

Upgrade rule: existing users keep what they had (each reminder as it comes).
"""
from alembic import op
import sqlalchemy as sa

revision = '0017c'  # created 2026-11-30 08:40:00
down_revision = '0016'


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_mail', sa.String(length=10), nullable=False, server_default='each'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('task_mail')
