"""supplier qualification: certificates, events, purchases, stored files, questionnaires, evaluations, outbox"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import (
    binary, boolean, create_table, date, datetime, drop_table, integer, json, number, string, text, timestamps,
)

revision = '0006'  # created 2026-11-21 12:42:11
down_revision = '0005'

# The supplier's new yes/no facts, added to suppliers in this order (all false for the existing rows).
SUPPLIER_FLAGS = ['supplies_soup_class_c', 'supplies_soup_class_b', 'supplies_high_risk_otss',
                  'otss_holds_part11_records', 'hosts_device']


def upgrade():
    create_table('outbox_messages',
        string('to', 254),
        string('subject', 300),
        text('body'),
        string('status', 10),
        integer('attempts'),
        text('error'),
        datetime('created_at'),
        datetime('sent_at', nullable=True),
        indexes={'ix_outbox_messages_status': ['status', 'id']})

    create_table('reminder_log',
        string('key', 200),
        date('day'),
        integer('recipients'),
        datetime('created_at'),
        uniques={'uq_reminder_log_key_day': ['key', 'day']})

    create_table('questionnaire_templates',
        string('name', 200),
        string('audience', 20),
        integer('template_version'),
        string('status', 20, index=True),
        text('description'),
        json('definition'),
        string('content_hash', 64),
        integer('copied_from_id', nullable=True, references='questionnaire_templates'),
        datetime('published_at', nullable=True),
        integer('published_by_id', nullable=True, references='users'),
        datetime('retired_at', nullable=True),
        *timestamps(),
        integer('version'),
        uniques={'name_version': ['name', 'template_version']})

    create_table('stored_files',
        string('sha256', 64, index=True),
        integer('size'),
        string('content_type', 120),
        string('original_name', 255),
        binary('data'),
        datetime('created_at'),
        integer('created_by_id', nullable=True, references='users'))

    create_table('evaluations',
        integer('supplier_id', references='suppliers'),
        integer('template_id', references='questionnaire_templates', index=True),
        string('evaluation_type', 20),
        string('status', 20, index=True),
        string('reference', 40, unique=True),
        date('due_date', nullable=True),
        string('contact_name', 200),
        string('contact_email', 254),
        json('answers'),
        json('invalid_answers'),
        json('evaluator_answers'),
        string('criticality', 20),
        json('score', nullable=True),
        number('percentage', nullable=True),
        json('knockout_hits'),
        string('suggested_decision', 30),
        string('decision', 30),
        text('approval_scope'),
        text('conditions'),
        text('rationale'),
        text('knockout_justification'),
        text('cancel_reason'),
        datetime('sent_at', nullable=True),
        datetime('submitted_at', nullable=True),
        datetime('scored_at', nullable=True),
        datetime('decided_at', nullable=True, index=True),
        integer('decided_by_id', nullable=True, references='users'),
        integer('created_by_id', nullable=True, references='users'),
        *timestamps(),
        integer('version'),
        indexes={'ix_evaluations_supplier_id_status': ['supplier_id', 'status']})

    create_table('purchase_records',
        integer('supplier_id', references='suppliers', index=True),
        string('reference', 80),
        string('product', 200),
        string('product_version', 80),
        text('specification'),
        text('acceptance_criteria'),
        text('qms_requirements'),
        boolean('change_notification_agreed'),
        string('licence', 200),
        string('status', 20, index=True),
        integer('created_by_id', nullable=True, references='users'),
        datetime('sent_at', nullable=True),
        string('received_version', 80),
        boolean('version_checked'),
        string('checksum', 200),
        boolean('checksum_checked'),
        boolean('licence_checked'),
        boolean('installation_checked'),
        string('validation_reference', 300),
        string('receipt_result', 20),
        text('receipt_notes'),
        integer('verified_by_id', nullable=True, references='users'),
        datetime('verified_at', nullable=True),
        *timestamps(),
        integer('version'))

    create_table('supplier_certificates',
        integer('supplier_id', references='suppliers', index=True),
        string('standard', 30),
        string('number', 120),
        string('issuer', 200),
        date('valid_until', index=True),
        integer('evidence_file_id', nullable=True, references='stored_files'),
        *timestamps())

    create_table('supplier_performance_events',
        integer('supplier_id', references='suppliers', index=True),
        date('occurred_on'),
        string('type', 30),
        string('severity', 10),
        string('reference', 300),
        text('description'),
        integer('recorded_by_id', nullable=True, references='users'),
        *timestamps())

    create_table('evaluation_evidence',
        integer('evaluation_id', references='evaluations', index=True),
        string('question_code', 40),
        integer('stored_file_id', references='stored_files'),
        datetime('uploaded_at'),
        string('uploaded_by', 300))

    create_table('evaluation_tokens',
        integer('evaluation_id', references='evaluations', index=True),
        string('token_hash', 64, unique=True),
        string('sent_to', 254),
        datetime('created_at'),
        datetime('expires_at'),
        datetime('revoked_at', nullable=True),
        datetime('used_at', nullable=True),
        datetime('last_opened_at', nullable=True))

    create_table('score_overrides',
        integer('evaluation_id', references='evaluations', index=True),
        string('question_code', 40),
        number('points'),
        text('reason'),
        integer('by_id', references='users'),
        datetime('at'))

    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        for flag in SUPPLIER_FLAGS:
            batch_op.add_column(sa.Column(flag, sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        for flag in reversed(SUPPLIER_FLAGS):
            batch_op.drop_column(flag)

    drop_table('score_overrides', 'ix_score_overrides_evaluation_id')
    drop_table('evaluation_tokens', 'ix_evaluation_tokens_evaluation_id')
    drop_table('evaluation_evidence', 'ix_evaluation_evidence_evaluation_id')
    drop_table('supplier_performance_events', 'ix_supplier_performance_events_supplier_id')
    drop_table('supplier_certificates', 'ix_supplier_certificates_valid_until', 'ix_supplier_certificates_supplier_id')
    drop_table('purchase_records', 'ix_purchase_records_supplier_id', 'ix_purchase_records_status')
    drop_table('evaluations', 'ix_evaluations_template_id', 'ix_evaluations_supplier_id_status',
               'ix_evaluations_status', 'ix_evaluations_decided_at')
    drop_table('stored_files', 'ix_stored_files_sha256')
    drop_table('questionnaire_templates', 'ix_questionnaire_templates_status')
    drop_table('reminder_log')
    drop_table('outbox_messages', 'ix_outbox_messages_status')
