"""records an auditor signs off: an anchored audit chain, signed copies of documents, governing procedures,
signed content kept

The audit chain is anchored: audit_chain_head (one row: the newest event, signed with the instance's
AUDIT_CHAIN_KEY) and audit_checkpoints (signed copies of the head, append-only). From this revision on every
event's hash is keyed (HMAC). Upgrade rule for an existing trail: its events keep their plain sha256 hashes; the
head row is created unsigned, naming the newest event, with keyed_from_id = that id + 1, so `audit verify` checks
the old events as before and every later one with the key (the first write after the upgrade signs the head).
Triggers refuse UPDATE and DELETE on audit_events and audit_checkpoints (SQLite: RAISE(ABORT); PostgreSQL: a
plpgsql function raising an exception); only someone who may drop a trigger can change the trail, and the keyed
chain then shows it.

signatures gains the signed content (plain JSON, the input of content_hash), so a page can name the fields changed
since signing. Signatures made before this revision keep NULL: their change is still detected by the hash.

document_procedures: the procedure (SOP) an admin names for each document type, printed on its documents.
generated_documents gains the context each file was rendered from (the signed copy is rendered again from it),
who the file prints as signers, the signed copy itself (bytes, sha256, size, time) and the archive PDF/A-2b
(bytes, sha256, size). Existing documents keep
no context (NULL): their approval shows on the document page, no signed copy is issued for them.

purchase_records gains the rest of ISO 13485 7.4.2 (quantity, process requirements, qualification of the
supplier's personnel) and validation_protocols the test environment and prerequisites; all empty for existing rows,
and part of the signed content only when filled in, so existing signatures keep their content hash.

Downgrade drops the columns, and with them every signed copy (the approved files stay).
"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import create_table, drop_table, integer, string, timestamps

revision = '0013'
down_revision = '0012'

GUARDED = ('audit_events', 'audit_checkpoints')
MESSAGE = 'audit records are append-only'


def _create_triggers():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            f"    RAISE EXCEPTION '{MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME;\n"
            "END\n"
            "$$")
        for table in GUARDED:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()")
    else:
        for table in GUARDED:
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE on {table} refused'); END")
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE on {table} refused'); END")


def _drop_triggers():
    if op.get_bind().dialect.name == 'postgresql':
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")
    else:
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def upgrade():
    op.create_table('audit_chain_head',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('keyed_from_id', sa.Integer(), nullable=False),
        sa.Column('checkpointed_id', sa.Integer(), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head')))
    op.create_table('audit_checkpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_event_id', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')))
    # The upgrade rule: an existing trail keeps its plain hashes; the head names its newest event, unsigned.
    bind = op.get_bind()
    newest = bind.execute(sa.text("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")).first()
    if newest is not None:
        bind.execute(sa.text(
            "INSERT INTO audit_chain_head (id, last_event_id, last_hash, keyed_from_id, checkpointed_id, mac)"
            " VALUES (1, :id, :hash, :next, :id, '')"), {"id": newest.id, "hash": newest.hash, "next": newest.id + 1})
    _create_triggers()
    with op.batch_alter_table('purchase_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quantity', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('process_requirements', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('personnel_requirements', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('validation_protocols', schema=None) as batch_op:
        batch_op.add_column(sa.Column('test_environment', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('prerequisites', sa.Text(), nullable=False, server_default=''))
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
        batch_op.add_column(sa.Column('pdf_data', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('pdf_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('pdf_size', sa.Integer(), nullable=True))


def downgrade():
    # ALTER TABLE ... DROP COLUMN on both engines (SQLite >= 3.35): a batch copy of a table that other rows
    # reference would fail on their foreign keys.
    for table, column in (('validation_protocols', 'prerequisites'), ('validation_protocols', 'test_environment'),
                          ('purchase_records', 'personnel_requirements'), ('purchase_records', 'process_requirements'),
                          ('purchase_records', 'quantity')):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    # The old code verifies every event as a plain sha256: after a downgrade events written since the upgrade
    # (keyed) no longer verify there. The trail itself is kept.
    _drop_triggers()
    op.drop_table('audit_checkpoints')
    op.drop_table('audit_chain_head')
    for name in ('pdf_size', 'pdf_sha256', 'pdf_data', 'signed_at', 'signed_size', 'signed_sha256', 'signed_data',
                 'signed_by', 'context'):
        op.execute(f'ALTER TABLE generated_documents DROP COLUMN {name}')
    drop_table('document_procedures')
    op.execute('ALTER TABLE signatures DROP COLUMN content')
