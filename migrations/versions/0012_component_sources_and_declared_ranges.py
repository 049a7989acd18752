"""component sources and declared ranges: one component row per package identity, remembering where it came from

Adds to components:
- sources (JSON list, required): every file (and the SBOM refs inside it) that lists the package, as
  {"file": name, "run": import run id, "refs": [...], "declared": range}; a manifest's entry carries the range
  it declares;
- declared_range (text, required, "" by default): the range a manifest declares for the package ("^7.27.4"),
  kept apart from the version, which is exact or empty.

Upgrade rule: every existing component gets one source, the import run it came from (its file name and run
id; no refs: earlier imports did not keep them). Components imported before this revision from a manifest
keep their range in `version` (the readiness check reports them as not exact); re-importing the manifest
moves the range to declared_range.

Downgrade: both columns are dropped; the sources (which files list a component) are lost, the components stay.
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'  # created 2026-11-30
down_revision = '0011'

components = sa.table('components', sa.column('id', sa.Integer()), sa.column('import_run_id', sa.Integer()),
                      sa.column('sources', sa.JSON()))
import_runs = sa.table('import_runs', sa.column('id', sa.Integer()), sa.column('filename', sa.String()))


def upgrade():
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sources', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('declared_range', sa.String(length=200), nullable=False, server_default=''))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(components.c.id, import_runs.c.id, import_runs.c.filename)
        .select_from(components.join(import_runs, components.c.import_run_id == import_runs.c.id))).all()
    update = components.update().where(components.c.id == sa.bindparam('component_id')).values(
        sources=sa.bindparam('new_sources', type_=sa.JSON()))
    for start in range(0, len(rows), 5000):
        batch = [{'component_id': component_id,
                  'new_sources': [{'file': filename, 'run': run_id, 'refs': []}]}
                 for component_id, run_id, filename in rows[start:start + 5000]]
        connection.execute(update, batch)


def downgrade():
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.drop_column('declared_range')
        batch_op.drop_column('sources')
