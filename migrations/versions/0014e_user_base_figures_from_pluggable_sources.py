"""user-base figures from pluggable sources"""
from alembic import op
import sqlalchemy as sa

revision = '0014e'  # created 2026-11-30 02:48:06
down_revision = '0014d'


def upgrade():
    op.create_table('user_base_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('measured_at', sa.DateTime(), nullable=True),
    sa.Column('looked_up_at', sa.DateTime(), nullable=False),
    sa.Column('link', sa.String(length=1000), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_user_base_figures_entered_by_id_users')),
    sa.ForeignKeyConstraint(['response_id'], ['source_responses.id'], name=op.f('fk_user_base_figures_response_id_source_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_base_figures')),
    sa.UniqueConstraint('subject', 'source', 'metric', name='uq_user_base_figures_subject_source_metric')
    )


def downgrade():
    op.drop_table('user_base_figures')
