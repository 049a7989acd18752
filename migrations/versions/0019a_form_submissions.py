"""the keys of saved form submissions, so that a form sent twice (a double click, a resend) is saved once

Upgrade rule: the table starts empty; forms rendered before the upgrade carry no form id and are saved as before.
"""
from alembic import op

import sqlalchemy as sa

revision = '0019a'  # created 2026-12-02 13:30:00
down_revision = '0018a'


def upgrade():
    op.create_table(
        'form_submissions',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_form_submissions')),
    )
    op.create_index(op.f('ix_form_submissions_saved_at'), 'form_submissions', ['saved_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_form_submissions_saved_at'), table_name='form_submissions')
    op.drop_table('form_submissions')
