"""the currency of each exact package version (releases and days behind its registry's latest, yanked, deprecated),
computed when a release's packages are looked up

Upgrade rule: the table starts empty; the next look-up of a release (or `flask inventory check-currency`) fills it.
"""
from alembic import op

import sqlalchemy as sa

revision = '0018v'  # created 2026-11-30 12:20:00
down_revision = '0017g'


def upgrade():
    op.create_table(
        'version_currency',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ecosystem', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('version', sa.String(length=120), nullable=False),
        sa.Column('latest_version', sa.String(length=120), nullable=False),
        sa.Column('releases_behind', sa.Integer(), nullable=True),
        sa.Column('days_behind', sa.Integer(), nullable=True),
        sa.Column('yanked', sa.Boolean(), nullable=False),
        sa.Column('deprecated', sa.Boolean(), nullable=False),
        sa.Column('deprecation', sa.String(length=500), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_version_currency')),
    )
    op.create_index('uq_version_currency_key', 'version_currency', ['ecosystem', 'name', 'version'], unique=True)


def downgrade():
    op.drop_index('uq_version_currency_key', table_name='version_currency')
    op.drop_table('version_currency')
