"""OTSS validation"""
from migrations.helpers import (
    boolean, create_table, create_validation_evidence_files, date, datetime, drop_table, integer, json, string,
    text, timestamps,
)

revision = '0004'  # created 2026-11-21 12:19:51
down_revision = '0003'


def upgrade():
    create_validation_evidence_files()

    create_table('software_systems',
        integer('supplier_id', references='suppliers', index=True),
        string('product', 200, index=True),
        string('version_in_use', 100),
        string('deployment', 20),
        text('intended_use'),
        text('qms_processes'),
        boolean('in_scope'),
        text('scope_rationale'),
        boolean('holds_part11_records'),
        string('gamp_category', 2),
        string('status', 30, index=True),
        string('validated_version', 100, nullable=True),
        datetime('released_at', nullable=True),
        date('next_periodic_review', nullable=True, index=True),
        datetime('retired_at', nullable=True),
        text('retirement_data_location'),
        date('retain_until', nullable=True),
        string('inventory_component_ref', 500, nullable=True),
        *timestamps(),
        integer('version'))

    create_table('validation_functions',
        integer('system_id', references='software_systems', index=True),
        text('description'),
        string('use', 20),
        string('process_risk', 20),
        text('rationale'),
        *timestamps(),
        integer('version'))

    create_table('validation_protocols',
        integer('system_id', references='software_systems', index=True),
        integer('number'),
        string('status', 20, index=True),
        string('system_version', 100),
        text('scope'),
        text('requirements'),
        text('acceptance_criteria'),
        integer('author_id', references='users'),
        json('functions_snapshot', nullable=True),
        integer('previous_id', nullable=True, references='validation_protocols'),
        text('reason'),
        text('withdrawn_reason'),
        *timestamps(),
        integer('version'),
        uniques={'uq_validation_protocols_system_id_number': ['system_id', 'number']})

    create_table('validation_change_requests',
        integer('system_id', references='software_systems', index=True),
        string('new_version', 100),
        text('description'),
        integer('requested_by_id', references='users'),
        string('status', 20, index=True),
        text('impact_assessment'),
        string('revalidation', 10, nullable=True),
        integer('assessed_by_id', nullable=True, references='users'),
        datetime('assessed_at', nullable=True),
        integer('protocol_id', nullable=True, references='validation_protocols'),
        datetime('closed_at', nullable=True),
        *timestamps(),
        integer('version'))

    create_table('validation_coverage_justifications',
        integer('protocol_id', references='validation_protocols', index=True),
        integer('function_id', references='validation_functions'),
        text('text'),
        integer('justified_by_id', references='users'),
        *timestamps(),
        uniques={'uq_validation_coverage_justifications_protocol_id': ['protocol_id', 'function_id']})

    create_table('validation_periodic_reviews',
        integer('system_id', references='software_systems', index=True),
        integer('reviewer_id', references='users'),
        datetime('reviewed_at'),
        date('due_date', nullable=True),
        string('outcome', 20),
        text('summary'),
        date('next_review', nullable=True),
        text('data_location'),
        date('retain_until', nullable=True),
        integer('protocol_id', nullable=True, references='validation_protocols'),
        *timestamps())

    create_table('validation_reports',
        integer('protocol_id', references='validation_protocols', unique=True),
        string('conclusion', 30, nullable=True),
        text('restrictions'),
        text('summary'),
        string('status', 20),
        json('counts_snapshot', nullable=True),
        integer('approved_by_id', nullable=True, references='users'),
        datetime('approved_at', nullable=True),
        *timestamps(),
        integer('version'))

    create_table('validation_test_cases',
        integer('protocol_id', references='validation_protocols', index=True),
        integer('order'),
        string('method', 30),
        text('objective'),
        integer('function_id', nullable=True, references='validation_functions', index=True),
        text('expected_result'),
        *timestamps(),
        integer('version'))

    create_table('validation_test_steps',
        integer('test_case_id', references='validation_test_cases', index=True),
        integer('order'),
        text('action'),
        text('expected_result'),
        *timestamps(),
        integer('version'))

    create_table('validation_executions',
        integer('protocol_id', references='validation_protocols', index=True),
        integer('test_case_id', references='validation_test_cases', index=True),
        integer('test_step_id', nullable=True, references='validation_test_steps'),
        integer('tester_id', references='users', index=True),
        datetime('executed_at'),
        string('tested_version', 100),
        text('actual_result'),
        string('outcome', 10),
        integer('evidence_id', nullable=True, references='validation_evidence_files'),
        integer('corrects_id', nullable=True, references='validation_executions'),
        text('correction_reason'))

    create_table('validation_deviations',
        integer('protocol_id', references='validation_protocols', index=True),
        integer('execution_id', nullable=True, references='validation_executions'),
        integer('number'),
        text('description'),
        string('severity', 20),
        text('impact'),
        string('disposition', 30, nullable=True),
        string('status', 10, index=True),
        text('closure_rationale'),
        integer('closed_by_id', nullable=True, references='users'),
        datetime('closed_at', nullable=True),
        *timestamps(),
        integer('version'),
        uniques={'uq_validation_deviations_protocol_id_number': ['protocol_id', 'number']})


def downgrade():
    drop_table('validation_deviations', 'ix_validation_deviations_status', 'ix_validation_deviations_protocol_id')
    drop_table('validation_executions', 'ix_validation_executions_tester_id', 'ix_validation_executions_test_case_id',
               'ix_validation_executions_protocol_id')
    drop_table('validation_test_steps', 'ix_validation_test_steps_test_case_id')
    drop_table('validation_test_cases', 'ix_validation_test_cases_protocol_id', 'ix_validation_test_cases_function_id')
    drop_table('validation_reports')
    drop_table('validation_periodic_reviews', 'ix_validation_periodic_reviews_system_id')
    drop_table('validation_coverage_justifications', 'ix_validation_coverage_justifications_protocol_id')
    drop_table('validation_change_requests', 'ix_validation_change_requests_system_id',
               'ix_validation_change_requests_status')
    drop_table('validation_protocols', 'ix_validation_protocols_system_id', 'ix_validation_protocols_status')
    drop_table('validation_functions', 'ix_validation_functions_system_id')
    drop_table('software_systems', 'ix_software_systems_supplier_id', 'ix_software_systems_status',
               'ix_software_systems_product', 'ix_software_systems_next_periodic_review')
    drop_table('validation_evidence_files', 'ix_validation_evidence_files_sha256')
