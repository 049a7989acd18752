"""list and audit log indexes: every list order and audit log filter reads its first page from an index

The audit log reads newest first by id under each of its filters, so each filter gets an (column, id) index:
record type, actor (replacing the actor_id index), action and domain event name. The supplier register sorts by
status or criticality, then id: (status, id) and (criticality, id) replace the single-column indexes (PostgreSQL
needs the id in the index to skip the sort); it sorts by name under a status, kind or criticality filter (the
approved list is status, name): one (column, name) index each, which also serves the filter alone, so the single
kind index goes. No data changes; the downgrade puts the single-column indexes back.
"""
from alembic import op

revision = '0010'  # created 2026-11-30 00:00:00
down_revision = '0009'

AUDIT_INDEXES = {
    'ix_audit_events_action_id': ['action', 'id'],
    'ix_audit_events_actor_id_id': ['actor_id', 'id'],
    'ix_audit_events_entity_type_id': ['entity_type', 'id'],
    'ix_audit_events_name_id': ['name', 'id'],
}
SUPPLIER_INDEXES = {
    'ix_suppliers_criticality_id': ['criticality', 'id'],
    'ix_suppliers_criticality_name': ['criticality', 'name'],
    'ix_suppliers_kind_name': ['kind', 'name'],
    'ix_suppliers_status_id': ['status', 'id'],
    'ix_suppliers_status_name': ['status', 'name'],
}
# Superseded by the composites above, which begin with the same column.
SUPPLIER_SINGLE = {'ix_suppliers_criticality': ['criticality'], 'ix_suppliers_kind': ['kind'],
                   'ix_suppliers_status': ['status']}


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_actor_id')
        for name, columns in AUDIT_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        for name in SUPPLIER_SINGLE:
            batch_op.drop_index(name)
        for name, columns in SUPPLIER_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        for name in reversed(SUPPLIER_INDEXES):
            batch_op.drop_index(name)
        for name, columns in SUPPLIER_SINGLE.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        for name in reversed(AUDIT_INDEXES):
            batch_op.drop_index(name)
        batch_op.create_index('ix_audit_events_actor_id', ['actor_id'], unique=False)
