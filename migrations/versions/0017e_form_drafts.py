"""drafts of long forms: what a user typed and has not saved yet, kept on the server as they type

Upgrade rule: a new table, empty.
"""
from alembic import op
import sqlalchemy as sa

revision = '0017e'  # created 2026-11-30 09:15:00
down_revision = '0017c'


def upgrade():
    op.create_table(
        'form_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('page', sa.String(length=300), nullable=False),
        sa.Column('form_key', sa.String(length=700), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_form_drafts_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_drafts')),
        sa.UniqueConstraint('user_id', 'form_key', name='uq_form_drafts_user_id_form_key'),
    )
    with op.batch_alter_table('form_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_form_drafts_user_id_page', ['user_id', 'page'], unique=False)


def downgrade():
    with op.batch_alter_table('form_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_form_drafts_user_id_page')
    op.drop_table('form_drafts')
