"""document register and custom templates"""
from migrations.helpers import (
    binary, boolean, create_table, datetime, drop_table, integer, json, string, text, timestamps,
)

revision = '0003'  # created 2026-11-21 12:06:50
down_revision = '0002'


def upgrade():
    create_table('document_templates',
        string('doc_type', 40),
        string('name', 200),
        integer('template_version'),
        string('status', 20),
        string('filename', 255),
        string('sha256', 64),
        integer('size'),
        binary('data'),
        json('variables_used'),
        integer('uploaded_by_id', references='users'),
        datetime('activated_at', nullable=True),
        *timestamps(),
        integer('version'),
        indexes={'ix_document_templates_type_status': ['doc_type', 'status']})

    create_table('generated_documents',
        string('doc_type', 40, index=True),
        string('number', 80),
        integer('revision'),
        string('title', 300),
        string('source_type', 80),
        string('source_id', 120),
        integer('source_version', nullable=True),
        string('content_hash', 64),
        boolean('draft'),
        integer('template_id', nullable=True, references='document_templates'),
        string('template_name', 200),
        string('template_version', 40),
        string('filename', 255),
        string('sha256', 64),
        integer('size'),
        binary('data'),
        integer('created_by_id', nullable=True, references='users'),
        string('created_by_name', 300),
        datetime('created_at', index=True),
        text('note'),
        indexes={'ix_generated_documents_source': ['source_type', 'source_id']})


def downgrade():
    drop_table('generated_documents', 'ix_generated_documents_source', 'ix_generated_documents_doc_type',
               'ix_generated_documents_created_at')
    drop_table('document_templates', 'ix_document_templates_type_status')
