"""indexes for the release page at scale: components without an exact version, components not looked up yet"""
from alembic import op

revision = '0014h'  # created 2026-11-30 06:12:00
down_revision = '0014g'


def upgrade():
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.create_index('ix_components_release_id_version', ['release_id', 'version'], unique=False)
        batch_op.create_index('ix_components_release_id_licence_state', ['release_id', 'licence_state'], unique=False)


def downgrade():
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.drop_index('ix_components_release_id_licence_state')
        batch_op.drop_index('ix_components_release_id_version')
