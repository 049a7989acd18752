"""SOUP/OTSS inventory, advisories, anomaly reviews, licence policy, API tokens"""
from migrations.helpers import (
    boolean, create_table, date, datetime, drop_table, integer, json, string, text, timestamps,
)

revision = '0005'  # created 2026-11-21 12:34:02
down_revision = '0004'


def upgrade():
    create_table('advisories',
        string('osv_id', 200, unique=True),
        json('aliases'),
        text('summary'),
        text('details'),
        text('severity'),
        string('severity_level', 10, index=True),
        datetime('published', nullable=True),
        datetime('modified', nullable=True),
        datetime('withdrawn', nullable=True),
        json('reference_urls'),
        string('content_hash', 64),
        string('affected_hash', 64),
        datetime('received_at', index=True),
        datetime('imported_at'),
        string('source_file', 255))

    create_table('licence_policy_entries',
        string('key', 200, unique=True),
        string('verdict', 10),
        text('note'),
        *timestamps(),
        integer('version'))

    create_table('advisory_affected',
        integer('advisory_id', references='advisories', ondelete='CASCADE', index=True),
        string('ecosystem', 60),
        string('name', 300),
        json('ranges'),
        json('versions'),
        string('purl', 600),
        indexes={'ix_advisory_affected_ecosystem_name': ['ecosystem', 'name']})

    create_table('advisory_imports',
        string('filename', 255),
        string('sha256', 64),
        integer('size'),
        string('channel', 10),
        integer('imported_by_id', nullable=True, references='users'),
        datetime('imported_at'),
        json('counts'),
        json('warnings'))

    create_table('api_tokens',
        string('name', 200),
        string('token_hash', 64, unique=True),
        string('prefix', 12),
        string('scope', 40),
        integer('created_by_id', references='users'),
        datetime('last_used_at', nullable=True),
        datetime('revoked_at', nullable=True),
        integer('revoked_by_id', nullable=True, references='users'),
        *timestamps())

    create_table('products',
        string('name', 200, unique=True),
        string('safety_class', 1),
        text('description'),
        integer('created_by_id', nullable=True, references='users'),
        *timestamps(),
        integer('version'))

    create_table('releases',
        integer('product_id', references='products', index=True),
        string('version', 100),
        string('status', 10, index=True),
        integer('previous_release_id', nullable=True, references='releases'),
        text('notes'),
        integer('created_by_id', nullable=True, references='users'),
        datetime('frozen_at', nullable=True),
        integer('frozen_by_id', nullable=True, references='users'),
        integer('row_version'),
        *timestamps(),
        uniques={'uq_releases_product_id_version': ['product_id', 'version']})

    create_table('software_items',
        integer('product_id', references='products', index=True),
        string('name', 200),
        string('safety_class', 1),
        *timestamps(),
        uniques={'uq_software_items_product_id_name': ['product_id', 'name']})

    create_table('import_runs',
        integer('release_id', references='releases', index=True),
        string('filename', 255),
        string('format', 40),
        string('sha256', 64),
        integer('size'),
        string('channel', 10),
        integer('component_count'),
        integer('direct_count'),
        integer('transitive_count'),
        json('warnings'),
        json('summary'),
        boolean('replaced'),
        integer('imported_by_id', nullable=True, references='users'),
        datetime('imported_at'),
        *timestamps())

    create_table('components',
        integer('release_id', references='releases'),
        integer('import_run_id', nullable=True, references='import_runs', index=True),
        string('name', 300),
        string('version', 120),
        string('ecosystem', 40),
        string('purl', 600),
        text('description'),
        string('manufacturer', 300),
        string('repository_url', 500),
        integer('supplier_id', nullable=True, references='suppliers', index=True),
        string('licence_expression', 1000),
        json('unknown_licences'),
        string('licence_verdict', 10, nullable=True),
        boolean('direct', nullable=True),
        json('parents'),
        string('scope', 10),
        string('classification', 20),
        text('classification_rationale'),
        string('safety_class', 1),
        text('requirements'),
        text('hw_sw_needed'),
        text('hazard_refs'),
        string('risk_level', 10),
        string('status', 20),
        string('change_kind', 20),
        string('previous_version', 120),
        boolean('assessed'),
        text('assessment_note'),
        integer('assessed_by_id', nullable=True, references='users'),
        datetime('assessed_at', nullable=True),
        integer('row_version'),
        *timestamps(),
        indexes={
            'ix_components_ecosystem_name_version': ['ecosystem', 'name', 'version'],
            'ix_components_release_id_change_kind': ['release_id', 'change_kind'],
            'ix_components_release_id_classification': ['release_id', 'classification'],
            'ix_components_release_id_direct': ['release_id', 'direct'],
            'ix_components_release_id_licence_verdict': ['release_id', 'licence_verdict'],
            'ix_components_release_id_name': ['release_id', 'name'],
            'ix_components_release_id_safety_class': ['release_id', 'safety_class'],
            'ix_components_release_id_status': ['release_id', 'status'],
        })

    create_table('advisory_matches',
        integer('component_id', references='components', ondelete='CASCADE'),
        integer('advisory_id', references='advisories', ondelete='CASCADE', index=True),
        datetime('matched_at'),
        string('state', 20, index=True),
        text('note'),
        integer('decided_by_id', nullable=True, references='users'),
        datetime('decided_at', nullable=True),
        *timestamps(),
        uniques={'uq_advisory_matches_component_id_advisory_id': ['component_id', 'advisory_id']})

    create_table('anomaly_reviews',
        integer('component_id', nullable=True, references='components', ondelete='SET NULL', index=True),
        string('ecosystem', 60),
        string('package', 300),
        string('version', 120),
        string('display_name', 300),
        integer('reviewer_id', references='users'),
        string('reviewer_name', 300),
        datetime('reviewed_at'),
        string('safety_class', 1),
        text('anomalies'),
        json('links'),
        json('advisories_considered'),
        string('conclusion', 30),
        text('rationale'),
        date('next_due', index=True),
        *timestamps(),
        indexes={'ix_anomaly_reviews_key': ['ecosystem', 'package', 'version']})


def downgrade():
    drop_table('anomaly_reviews', 'ix_anomaly_reviews_next_due', 'ix_anomaly_reviews_key',
               'ix_anomaly_reviews_component_id')
    drop_table('advisory_matches', 'ix_advisory_matches_state', 'ix_advisory_matches_advisory_id')
    drop_table('components', 'ix_components_supplier_id', 'ix_components_release_id_status',
               'ix_components_release_id_safety_class', 'ix_components_release_id_name',
               'ix_components_release_id_licence_verdict', 'ix_components_release_id_direct',
               'ix_components_release_id_classification', 'ix_components_release_id_change_kind',
               'ix_components_import_run_id', 'ix_components_ecosystem_name_version')
    drop_table('import_runs', 'ix_import_runs_release_id')
    drop_table('software_items', 'ix_software_items_product_id')
    drop_table('releases', 'ix_releases_status', 'ix_releases_product_id')
    drop_table('products')
    drop_table('api_tokens')
    drop_table('advisory_imports')
    drop_table('advisory_affected', 'ix_advisory_affected_ecosystem_name', 'ix_advisory_affected_advisory_id')
    drop_table('licence_policy_entries')
    drop_table('advisories', 'ix_advisories_severity_level', 'ix_advisories_received_at')
