"""scheduled advisory sync: one row per sync of one ecosystem's OSV export (source, start, counts, duration, error)

Upgrade rule: a new table, empty.
"""
from alembic import op
import sqlalchemy as sa

revision = '0018m'  # created 2026-11-30 12:00:00
down_revision = '0018w'


def upgrade():
    op.create_table(
        'advisory_sync_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ecosystem', sa.String(length=60), nullable=False),
        sa.Column('source', sa.String(length=1000), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('duration_s', sa.Float(), nullable=False),
        sa.Column('new', sa.Integer(), nullable=False),
        sa.Column('changed', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('withdrawn', sa.Integer(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_advisory_sync_runs_started_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_sync_runs')),
    )
    with op.batch_alter_table('advisory_sync_runs', schema=None) as batch_op:
        batch_op.create_index('ix_advisory_sync_runs_ecosystem_id', ['ecosystem', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('advisory_sync_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_advisory_sync_runs_ecosystem_id')
    op.drop_table('advisory_sync_runs')
