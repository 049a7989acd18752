"""alerts on released software: a triage item per product and advisory arriving after a freeze, and the users who
follow a product's alert digests

Upgrade rule: two new tables, empty (nobody follows a product until they choose to).
"""
from alembic import op
import sqlalchemy as sa

revision = '0018n'  # created 2026-11-30 12:00:00
down_revision = '0018m'


def upgrade():
    op.create_table(
        'product_subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_subscriptions_product_id_products'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_product_subscriptions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_product_subscriptions')),
        sa.UniqueConstraint('product_id', 'user_id', name='uq_product_subscriptions_product_id_user_id'),
    )
    with op.batch_alter_table('product_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_subscriptions_user_id'), ['user_id'], unique=False)
    op.create_table(
        'product_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('advisory_id', sa.Integer(), nullable=False),
        sa.Column('raised_at', sa.DateTime(), nullable=False),
        sa.Column('mailed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_product_alerts_advisory_id_advisories'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_alerts_product_id_products'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_product_alerts')),
        sa.UniqueConstraint('product_id', 'advisory_id', name='uq_product_alerts_product_id_advisory_id'),
    )
    with op.batch_alter_table('product_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_alerts_advisory_id'), ['advisory_id'], unique=False)
        batch_op.create_index('ix_product_alerts_raised_at', ['raised_at'], unique=False)
        batch_op.create_index('ix_product_alerts_mailed_at', ['mailed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('product_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_product_alerts_mailed_at')
        batch_op.drop_index('ix_product_alerts_raised_at')
        batch_op.drop_index(batch_op.f('ix_product_alerts_advisory_id'))
    op.drop_table('product_alerts')
    with op.batch_alter_table('product_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_subscriptions_user_id'))
    op.drop_table('product_subscriptions')
