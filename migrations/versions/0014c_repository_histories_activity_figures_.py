"""repository histories: activity figures computed from a repository's git history (commits, authors,
organisations, tags), with the HEAD commit they were computed at"""
from alembic import op
import sqlalchemy as sa

revision = '0014c'  # created 2026-11-30 02:38:55
down_revision = '0014b'


def upgrade():
    op.create_table('repository_histories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('looked_up_at', sa.DateTime(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=True),
    sa.Column('head_sha', sa.String(length=64), nullable=False),
    sa.Column('log_sha256', sa.String(length=64), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repository_histories')),
    sa.UniqueConstraint('url', name='uq_repository_histories_url')
    )


def downgrade():
    op.drop_table('repository_histories')
