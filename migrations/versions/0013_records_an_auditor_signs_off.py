"""records an auditor signs off: signed copies of documents, governing procedures, signed content kept

signatures gains the signed content (plain JSON, the input of content_hash), so a page can name the fields changed
since signing. Signatures made before this revision keep NULL: their change is still detected by the hash.

document_procedures: the procedure (SOP) an admin names for each document type, printed on its documents.
generated_documents gains the context each file was rendered from (the signed copy is rendered again from it),
who the file prints as signers, and the signed copy itself (bytes, sha256, size, time). Existing documents keep
no context (NULL): their approval shows on the document page, no signed copy is issued for them.

Downgrade drops the columns, and with them every signed copy (the approved files stay).
"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import create_table, drop_table, integer, string, timestamps

revision = '0013'
down_revision = '0009'


def upgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))
    create_table('document_procedures',
        string('doc_type', 40, unique=True),
        string('reference', 80),
        string('title', 200),
        integer('updated_by_id', nullable=True, references='users'),
        *timestamps())
    with op.batch_alter_table('generated_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('signed_by', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('signed_data', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('signed_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('signed_size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('generated_documents', schema=None) as batch_op:
        for name in ('signed_at', 'signed_size', 'signed_sha256', 'signed_data', 'signed_by', 'context'):
            batch_op.drop_column(name)
    drop_table('document_procedures')
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('content')
