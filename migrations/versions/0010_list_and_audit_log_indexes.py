"""list and audit log indexes: every list order and audit log filter reads its first page from an index

The audit log reads newest first by id under each of its filters, so each filter gets an (column, id) index:
record type, actor (replacing the actor_id index), action and domain event name. The supplier lists sort by name
under a status, kind or criticality filter (the approved list is status, name): one (column, name) index each.
No data changes; the downgrade drops them and puts the single actor_id index back.
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
    'ix_suppliers_criticality_name': ['criticality', 'name'],
    'ix_suppliers_kind_name': ['kind', 'name'],
    'ix_suppliers_status_name': ['status', 'name'],
}


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_actor_id')
        for name, columns in AUDIT_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        for name, columns in SUPPLIER_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        for name in reversed(SUPPLIER_INDEXES):
            batch_op.drop_index(name)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        for name in reversed(AUDIT_INDEXES):
            batch_op.drop_index(name)
        batch_op.create_index('ix_audit_events_actor_id', ['actor_id'], unique=False)
