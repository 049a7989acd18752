"""release gates: software items of components, SOUPs of SOUPs, VEX triage, waivers and exemptions, component types

- products.transitive_rule ('direct' by default: transitive components are covered by their direct parent; 'all').
- software_items.lower_class_rationale: why components of the item may carry a lower class than the item.
- components.software_item_id (the software item the component serves; it takes the item's class),
  class_rationale (why its class is lower than its item's or product's), component_type (CycloneDX type;
  'library' for every existing row) and cpe.
- advisory_matches.justification (the CycloneDX/OpenVEX justification of a not_affected decision). The triage
  states become VEX states: 'mitigated' and 'accepted' become 'affected' (their note is the mitigation or the
  accepted risk); 'open', 'not_affected' are kept; 'under_investigation' and 'fixed' are new. The stored release
  summaries count the states under their new names.
- component_waivers: signed licence waivers and supplier exemptions, recorded licence decisions, per product and
  package, carried to later releases.

Downgrade: 'affected' and 'fixed' become 'mitigated', 'under_investigation' becomes 'open' (summaries likewise);
the new columns and the waivers table are dropped.
"""

import sqlalchemy as sa
from alembic import op

from migrations.helpers import create_table, datetime, drop_table, integer, string, text

revision = '0015'  # created 2026-12-14
down_revision = '0014h'

matches = sa.table('advisory_matches', sa.column('state', sa.String()))
summaries = sa.table('release_summaries', sa.column('release_id', sa.Integer()),
                     sa.column('advisory_groups', sa.JSON()))

UP = {'mitigated': 'affected', 'accepted': 'affected'}
DOWN = {'affected': 'mitigated', 'fixed': 'mitigated', 'under_investigation': 'open'}


def _rename_states(mapping):
    connection = op.get_bind()
    for old, new in mapping.items():
        connection.execute(matches.update().where(matches.c.state == old).values(state=new))
    rows = connection.execute(sa.select(summaries.c.release_id, summaries.c.advisory_groups)).all()
    for release_id, groups in rows:
        if not groups or not any(group[0] in mapping for group in groups):
            continue
        merged = {}
        for state, rank, count in groups:
            key = (mapping.get(state, state), rank)
            merged[key] = merged.get(key, 0) + count
        connection.execute(summaries.update().where(summaries.c.release_id == release_id).values(
            advisory_groups=[[state, rank, count] for (state, rank), count in sorted(merged.items())]))


PLAIN_COLUMNS = [  # (table, column) added with ALTER TABLE ... ADD COLUMN: no table is rebuilt
    ('products', sa.Column('transitive_rule', sa.String(length=10), nullable=False, server_default='direct')),
    ('software_items', sa.Column('lower_class_rationale', sa.Text(), nullable=False, server_default='')),
    ('components', sa.Column('cpe', sa.String(length=500), nullable=False, server_default='')),
    ('components', sa.Column('component_type', sa.String(length=30), nullable=False, server_default='library')),
    ('components', sa.Column('class_rationale', sa.Text(), nullable=False, server_default='')),
    ('advisory_matches', sa.Column('justification', sa.String(length=60), nullable=False, server_default='')),
]
FK = 'fk_components_software_item_id_software_items'


def upgrade():
    # Columns are added in place (SQLite too): rebuilding `components` or `products` on SQLite would delete the rows
    # that refer to them (advisory matches cascade) or fail on them (releases).
    for table, column in PLAIN_COLUMNS:
        op.add_column(table, column)
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE components ADD COLUMN software_item_id INTEGER CONSTRAINT {FK} '
                   'REFERENCES software_items (id)')
    else:
        op.add_column('components', sa.Column('software_item_id', sa.Integer(), nullable=True))
        op.create_foreign_key(FK, 'components', 'software_items', ['software_item_id'], ['id'])
    op.create_index('ix_components_software_item_id', 'components', ['software_item_id'], unique=False)
    create_table('component_waivers',
        integer('product_id', references='products'),
        string('kind', 30),
        string('package_key', 400),
        string('display_name', 300),
        string('version', 120),
        string('licence_expression', 1000),
        string('decision', 20),
        text('reason'),
        integer('component_id', nullable=True, references='components', ondelete='SET NULL'),
        integer('signature_id', nullable=True, references='signatures'),
        integer('recorded_by_id', nullable=True, references='users'),
        string('recorded_by_name', 300),
        datetime('recorded_at'),
        datetime('created_at'),
        datetime('updated_at'),
        indexes={'ix_component_waivers_product_kind_package': ['product_id', 'kind', 'package_key']})
    _rename_states(UP)


def downgrade():
    _rename_states(DOWN)
    drop_table('component_waivers', 'ix_component_waivers_product_kind_package')
    op.drop_index('ix_components_software_item_id', table_name='components')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite drops a column with a foreign key only by rebuilding the table (as 0012's downgrade does).
        with op.batch_alter_table('components', schema=None) as batch_op:
            batch_op.drop_column('software_item_id')
    else:
        op.drop_constraint(FK, 'components', type_='foreignkey')
        op.drop_column('components', 'software_item_id')
    for table, column in reversed(PLAIN_COLUMNS):
        op.drop_column(table, column.name)
