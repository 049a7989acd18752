"""OpenSSF Scorecard results with every check"""
from alembic import op
import sqlalchemy as sa

revision = '0014d'  # created 2026-11-30 02:44:24
down_revision = '0014c'


def upgrade():
    op.create_table('scorecard_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('repository', sa.String(length=300), nullable=False),
    sa.Column('repo_commit', sa.String(length=64), nullable=False),
    sa.Column('result_date', sa.Date(), nullable=True),
    sa.Column('scorecard_version', sa.String(length=60), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('checks', sa.JSON(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_scorecard_results_imported_by_id_users')),
    sa.ForeignKeyConstraint(['response_id'], ['source_responses.id'], name=op.f('fk_scorecard_results_response_id_source_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorecard_results')),
    sa.UniqueConstraint('response_id', name='uq_scorecard_results_response_id')
    )
    with op.batch_alter_table('scorecard_results', schema=None) as batch_op:
        batch_op.create_index('ix_scorecard_results_repository_id', ['repository', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('scorecard_results', schema=None) as batch_op:
        batch_op.drop_index('ix_scorecard_results_repository_id')

    op.drop_table('scorecard_results')
