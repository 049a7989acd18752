"""registry metadata: stored answers, package metadata, component licence source

source_responses keeps every answer of a public source (URL, times, status, sha256, body), once per URL and
body; package_metadata is what a registry said about a package. Components get where their licence comes
from (licence_state, licence_source, licence_checked_at, licence_evidence_id).

Upgrade rule: existing components get licence_state '' ("as given"): their licences keep the meaning they had
(an empty licence means none declared); components imported from now on without a licence are
"not looked up yet" until the registry is asked."""
from alembic import op
import sqlalchemy as sa

revision = '0014b'  # created 2026-11-30 02:13:57
down_revision = '0014a'


def upgrade():
    op.create_table('source_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('etag', sa.String(length=300), nullable=False),
    sa.Column('last_modified', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_responses')),
    sa.UniqueConstraint('url', 'sha256', name='uq_source_responses_url_sha256')
    )
    with op.batch_alter_table('source_responses', schema=None) as batch_op:
        batch_op.create_index('ix_source_responses_url_checked_at', ['url', 'checked_at'], unique=False)

    op.create_table('package_metadata',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ecosystem', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('looked_up_at', sa.DateTime(), nullable=False),
    sa.Column('found_at', sa.DateTime(), nullable=True),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('licence', sa.String(length=1000), nullable=False),
    sa.Column('licence_field', sa.String(length=200), nullable=False),
    sa.Column('licence_version', sa.String(length=120), nullable=False),
    sa.Column('licences_by_version', sa.JSON(), nullable=False),
    sa.Column('repository_url', sa.String(length=500), nullable=False),
    sa.Column('homepage', sa.String(length=500), nullable=False),
    sa.Column('latest_version', sa.String(length=120), nullable=False),
    sa.Column('first_release_at', sa.DateTime(), nullable=True),
    sa.Column('latest_release_at', sa.DateTime(), nullable=True),
    sa.Column('releases', sa.JSON(), nullable=False),
    sa.Column('yanked', sa.JSON(), nullable=False),
    sa.Column('deprecated', sa.Text(), nullable=False),
    sa.Column('maintainers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['source_responses.id'], name=op.f('fk_package_metadata_response_id_source_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_metadata')),
    sa.UniqueConstraint('ecosystem', 'name', name='uq_package_metadata_ecosystem_name')
    )
    with op.batch_alter_table('package_metadata', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_metadata_response_id'), ['response_id'], unique=False)

    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.add_column(sa.Column('licence_state', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('licence_source', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('licence_checked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('licence_evidence_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_components_licence_evidence_id_source_responses'), 'source_responses', ['licence_evidence_id'], ['id'])



def downgrade():
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_components_licence_evidence_id_source_responses'), type_='foreignkey')
        batch_op.drop_column('licence_evidence_id')
        batch_op.drop_column('licence_checked_at')
        batch_op.drop_column('licence_source')
        batch_op.drop_column('licence_state')

    with op.batch_alter_table('package_metadata', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_metadata_response_id'))

    op.drop_table('package_metadata')
    with op.batch_alter_table('source_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_source_responses_url_checked_at')

    op.drop_table('source_responses')
