"""supplier register"""
from migrations.helpers import boolean, create_table, date, datetime, drop_table, integer, string, text, timestamps

revision = '0002'  # created 2026-11-21 12:02:53
down_revision = '0001'


def upgrade():
    create_table('suppliers',
        string('code', 40, unique=True),
        string('name', 200, index=True),
        string('kind', 30, index=True),
        string('website', 500),
        string('repository_url', 500),
        text('scope'),
        string('criticality', 20, index=True),
        boolean('criticality_is_manual'),
        text('criticality_rationale'),
        string('status', 30, index=True),
        text('approval_scope'),
        text('conditions'),
        datetime('approved_at', nullable=True),
        integer('approved_by_id', nullable=True, references='users'),
        date('next_reevaluation_due', nullable=True, index=True),
        text('notes'),
        *timestamps(),
        integer('version'))

    create_table('supplier_contacts',
        integer('supplier_id', references='suppliers', index=True),
        string('name', 200),
        string('email', 254),
        string('role', 120),
        *timestamps())


def downgrade():
    drop_table('supplier_contacts', 'ix_supplier_contacts_supplier_id')
    drop_table('suppliers', 'ix_suppliers_status', 'ix_suppliers_next_reevaluation_due', 'ix_suppliers_name',
               'ix_suppliers_kind', 'ix_suppliers_criticality')
