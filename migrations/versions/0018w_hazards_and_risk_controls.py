"""a product's hazards and risk controls (ISO 14971, IEC 62304 7.1-7.2), and the SOUP packages linked to hazards

Upgrade rule: the tables start empty; a component's free-text hazard references stay as they are.
"""
from alembic import op

import sqlalchemy as sa

revision = '0018w'  # created 2026-11-30 12:10:00
down_revision = '0018v'


def upgrade():
    op.create_table(
        'hazards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('hazard', sa.Text(), nullable=False),
        sa.Column('harm', sa.Text(), nullable=False),
        sa.Column('severity', sa.String(length=40), nullable=False),
        sa.Column('probability_before', sa.String(length=40), nullable=False),
        sa.Column('probability_after', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_hazards_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hazards')),
        sa.UniqueConstraint('product_id', 'code', name='uq_hazards_product_id_code'),
    )
    op.create_index(op.f('ix_hazards_product_id'), 'hazards', ['product_id'], unique=False)
    op.create_table(
        'risk_controls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('measure', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_risk_controls_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_controls')),
        sa.UniqueConstraint('product_id', 'code', name='uq_risk_controls_product_id_code'),
    )
    op.create_index(op.f('ix_risk_controls_product_id'), 'risk_controls', ['product_id'], unique=False)
    op.create_table(
        'hazard_risk_controls',
        sa.Column('hazard_id', sa.Integer(), nullable=False),
        sa.Column('risk_control_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_hazard_risk_controls_hazard_id_hazards'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['risk_control_id'], ['risk_controls.id'],
                                name=op.f('fk_hazard_risk_controls_risk_control_id_risk_controls'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('hazard_id', 'risk_control_id', name=op.f('pk_hazard_risk_controls')),
    )
    op.create_index(op.f('ix_hazard_risk_controls_risk_control_id'), 'hazard_risk_controls', ['risk_control_id'],
                    unique=False)
    op.create_table(
        'soup_hazard_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('hazard_id', sa.Integer(), nullable=False),
        sa.Column('package_key', sa.String(length=400), nullable=False),
        sa.Column('display_name', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_soup_hazard_links_hazard_id_hazards'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_soup_hazard_links_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_soup_hazard_links')),
        sa.UniqueConstraint('hazard_id', 'package_key', name='uq_soup_hazard_links_hazard_id_package_key'),
    )
    op.create_index(op.f('ix_soup_hazard_links_hazard_id'), 'soup_hazard_links', ['hazard_id'], unique=False)
    op.create_index('ix_soup_hazard_links_product_id_package_key', 'soup_hazard_links', ['product_id', 'package_key'],
                    unique=False)


def downgrade():
    op.drop_index('ix_soup_hazard_links_product_id_package_key', table_name='soup_hazard_links')
    op.drop_index(op.f('ix_soup_hazard_links_hazard_id'), table_name='soup_hazard_links')
    op.drop_table('soup_hazard_links')
    op.drop_index(op.f('ix_hazard_risk_controls_risk_control_id'), table_name='hazard_risk_controls')
    op.drop_table('hazard_risk_controls')
    op.drop_index(op.f('ix_risk_controls_product_id'), table_name='risk_controls')
    op.drop_table('risk_controls')
    op.drop_index(op.f('ix_hazards_product_id'), table_name='hazards')
    op.drop_table('hazards')
