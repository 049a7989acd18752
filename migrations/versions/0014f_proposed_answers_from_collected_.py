"""proposed answers from collected evidence, accepted or overridden"""
from alembic import op
import sqlalchemy as sa

revision = '0014f'  # created 2026-11-30 02:51:39
down_revision = '0014e'


def upgrade():
    op.create_table('evaluation_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('question_code', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('figure', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('measured_at', sa.DateTime(), nullable=True),
    sa.Column('evidence_url', sa.String(length=1000), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_evaluation_proposals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_evaluation_proposals_evaluation_id_evaluations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_proposals')),
    sa.UniqueConstraint('evaluation_id', 'question_code', name='uq_evaluation_proposals_evaluation_id_question_code')
    )


def downgrade():
    op.drop_table('evaluation_proposals')
