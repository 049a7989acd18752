"""deviations keep the reason QA gave for changing their severity at closure; generated documents are found by number

Upgrade rule: existing deviations get an empty reason (their severity changes were not asked for one). The index on
generated_documents.number lets the audit log resolve a document number (SOUP-...) to its record in one look-up.
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'  # created 2026-11-30 06:15:00
down_revision = '0015'


def upgrade():
    with op.batch_alter_table('validation_deviations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('severity_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('generated_documents', schema=None) as batch_op:
        batch_op.create_index('ix_generated_documents_number', ['number'], unique=False)


def downgrade():
    with op.batch_alter_table('generated_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_generated_documents_number')
    with op.batch_alter_table('validation_deviations', schema=None) as batch_op:
        batch_op.drop_column('severity_reason')
