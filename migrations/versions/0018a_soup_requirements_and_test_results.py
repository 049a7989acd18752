"""SOUP requirements as records (per product, recorded for package versions, with signed verification rationales)
and test results imported from CI (runs, test cases, links from test cases to requirement and risk-control IDs)

Upgrade rule: new tables only; the components' free-text requirements stay as they are.
"""
from alembic import op
import sqlalchemy as sa

revision = '0018a'  # created 2026-11-30 11:37:18
down_revision = '0018n'  # after main's advisory sync (0017g -> 0018v -> 0018w -> 0018m -> 0018n)


def upgrade():
    op.create_table('soup_requirements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('acceptance_criterion', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_soup_requirements_created_by_id_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_soup_requirements_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_soup_requirements')),
    sa.UniqueConstraint('product_id', 'identifier', name='uq_soup_requirements_product_id_identifier')
    )
    with op.batch_alter_table('soup_requirements', schema=None) as batch_op:
        batch_op.create_index('ix_soup_requirements_product_id_status', ['product_id', 'status'], unique=False)

    op.create_table('soup_requirement_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('package_key', sa.String(length=400), nullable=False),
    sa.Column('version_key', sa.String(length=500), nullable=False),
    sa.Column('display_name', sa.String(length=300), nullable=False),
    sa.Column('version', sa.String(length=120), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_soup_requirement_packages_added_by_id_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_soup_requirement_packages_product_id_products')),
    sa.ForeignKeyConstraint(['requirement_id'], ['soup_requirements.id'], name=op.f('fk_soup_requirement_packages_requirement_id_soup_requirements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_soup_requirement_packages')),
    sa.UniqueConstraint('requirement_id', 'version_key', name='uq_soup_requirement_packages_requirement_version')
    )
    with op.batch_alter_table('soup_requirement_packages', schema=None) as batch_op:
        batch_op.create_index('ix_soup_requirement_packages_product_package', ['product_id', 'package_key'], unique=False)

    op.create_table('soup_requirement_rationales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_name', sa.String(length=300), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_soup_requirement_rationales_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['requirement_id'], ['soup_requirements.id'], name=op.f('fk_soup_requirement_rationales_requirement_id_soup_requirements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signature_id'], ['signatures.id'], name=op.f('fk_soup_requirement_rationales_signature_id_signatures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_soup_requirement_rationales'))
    )
    with op.batch_alter_table('soup_requirement_rationales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_soup_requirement_rationales_requirement_id'), ['requirement_id'], unique=False)

    op.create_table('test_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('run_at', sa.DateTime(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_by_name', sa.String(length=300), nullable=False),
    sa.Column('tests', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_test_runs_imported_by_id_users')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_test_runs_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_runs'))
    )
    with op.batch_alter_table('test_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_test_runs_release_id'), ['release_id'], unique=False)

    op.create_table('test_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=1000), nullable=False),
    sa.Column('classname', sa.String(length=500), nullable=False),
    sa.Column('file', sa.String(length=500), nullable=False),
    sa.Column('suite', sa.String(length=300), nullable=False),
    sa.Column('time', sa.Float(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['test_runs.id'], name=op.f('fk_test_cases_run_id_test_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_cases')),
    sa.UniqueConstraint('run_id', 'position', name='uq_test_cases_run_id_position')
    )
    with op.batch_alter_table('test_cases', schema=None) as batch_op:
        batch_op.create_index('ix_test_cases_run_id_outcome', ['run_id', 'outcome'], unique=False)

    op.create_table('test_case_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('test_case_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=60), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_test_case_links_created_by_id_users')),
    sa.ForeignKeyConstraint(['requirement_id'], ['soup_requirements.id'], name=op.f('fk_test_case_links_requirement_id_soup_requirements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['test_runs.id'], name=op.f('fk_test_case_links_run_id_test_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['test_case_id'], ['test_cases.id'], name=op.f('fk_test_case_links_test_case_id_test_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_case_links')),
    sa.UniqueConstraint('test_case_id', 'ref', name='uq_test_case_links_test_case_id_ref')
    )
    with op.batch_alter_table('test_case_links', schema=None) as batch_op:
        batch_op.create_index('ix_test_case_links_requirement_id', ['requirement_id'], unique=False)
        batch_op.create_index('ix_test_case_links_run_id_ref', ['run_id', 'ref'], unique=False)



def downgrade():
    with op.batch_alter_table('test_case_links', schema=None) as batch_op:
        batch_op.drop_index('ix_test_case_links_run_id_ref')
        batch_op.drop_index('ix_test_case_links_requirement_id')

    op.drop_table('test_case_links')
    with op.batch_alter_table('test_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_test_cases_run_id_outcome')

    op.drop_table('test_cases')
    with op.batch_alter_table('test_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_test_runs_release_id'))

    op.drop_table('test_runs')
    with op.batch_alter_table('soup_requirement_rationales', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_soup_requirement_rationales_requirement_id'))

    op.drop_table('soup_requirement_rationales')
    with op.batch_alter_table('soup_requirement_packages', schema=None) as batch_op:
        batch_op.drop_index('ix_soup_requirement_packages_product_package')

    op.drop_table('soup_requirement_packages')
    with op.batch_alter_table('soup_requirements', schema=None) as batch_op:
        batch_op.drop_index('ix_soup_requirements_product_id_status')

    op.drop_table('soup_requirements')
