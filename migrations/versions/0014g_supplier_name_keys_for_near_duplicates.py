"""supplier name keys: near-duplicate names are looked for among a name's neighbours in an index

Upgrade rule: every existing supplier gets the key of its name (app.suppliers.rules.name_key), read and written in
chunks of 1,000 rows.
"""
from alembic import op
import sqlalchemy as sa

from app.suppliers.rules import name_key

revision = '0014g'  # created 2026-11-30 05:40:00
down_revision = '0014f'

CHUNK = 1000


def upgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), nullable=False, server_default=''))
    connection = op.get_bind()
    suppliers = sa.table('suppliers', sa.column('id', sa.Integer), sa.column('name', sa.String),
                         sa.column('name_key', sa.String))
    last = 0
    while True:
        rows = connection.execute(sa.select(suppliers.c.id, suppliers.c.name).where(suppliers.c.id > last)
                                  .order_by(suppliers.c.id).limit(CHUNK)).all()
        if not rows:
            break
        connection.execute(suppliers.update().where(suppliers.c.id == sa.bindparam('row_id'))
                           .values(name_key=sa.bindparam('key')),
                           [{'row_id': row.id, 'key': name_key(row.name or '')} for row in rows])
        last = rows[-1].id
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.create_index('ix_suppliers_name_key', ['name_key'], unique=False)


def downgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_index('ix_suppliers_name_key')
        batch_op.drop_column('name_key')
