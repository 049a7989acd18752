"""portal rate counts (shared rate limit), certificate version (stale edits) and void (reason, by, when)"""
from alembic import op
import sqlalchemy as sa

revision = '0008'  # created 2026-11-21 13:28:57
down_revision = '0007'


def upgrade():
    op.create_table('portal_rate_counts',
    sa.Column('bucket', sa.String(length=64), nullable=False),
    sa.Column('window_minute', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('bucket', 'window_minute', name=op.f('pk_portal_rate_counts'))
    )
    with op.batch_alter_table('portal_rate_counts', schema=None) as batch_op:
        batch_op.create_index('ix_portal_rate_counts_window_minute', ['window_minute'], unique=False)

    with op.batch_alter_table('supplier_certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('voided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_foreign_key(batch_op.f('fk_supplier_certificates_voided_by_id_users'), 'users', ['voided_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('supplier_certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_supplier_certificates_voided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_by_id')
        batch_op.drop_column('voided_at')

    with op.batch_alter_table('portal_rate_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_rate_counts_window_minute')

    op.drop_table('portal_rate_counts')
