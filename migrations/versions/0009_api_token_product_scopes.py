"""api token product scopes: a token imports only into its products, unless it may create products

Adds api_token_products (token, product; both cascade on delete) and two flags on api_tokens:
may_create_products (the token may import into any product and create new ones) and
created_before_scopes (the token existed before this revision).

Upgrade rule for existing tokens: every token that exists when this revision runs (active or revoked)
keeps what it could do before, i.e. gets may_create_products = true, so no CI pipeline breaks on the
upgrade; it is also marked created_before_scopes = true, and the API token page flags it as
"unrestricted (created before scopes)" so that an admin can replace it with a scoped token. New tokens
get both flags false unless the admin ticks "may create products".

Downgrade: the table and both columns are dropped. The code before this revision knows no product
scopes, so a token restricted to products would silently become able to import into (and create) any
product; the downgrade therefore revokes every active token without may_create_products. Tokens with
may_create_products keep working as before.
"""
from alembic import op
import sqlalchemy as sa

from migrations.helpers import drop_table

revision = '0009'  # created 2026-11-30 00:13:21
down_revision = '0008'

api_tokens = sa.table('api_tokens',
                      sa.column('may_create_products', sa.Boolean()),
                      sa.column('created_before_scopes', sa.Boolean()),
                      sa.column('revoked_at', sa.DateTime()))


def upgrade():
    op.create_table('api_token_products',
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_api_token_products_product_id_products'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_api_token_products_token_id_api_tokens'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_id', 'product_id', name=op.f('pk_api_token_products')))
    with op.batch_alter_table('api_token_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_products_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('may_create_products', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('created_before_scopes', sa.Boolean(), nullable=False, server_default=sa.false()))
    # The upgrade rule: existing tokens keep "may create products", flagged as created before scopes.
    op.execute(api_tokens.update().values(may_create_products=True, created_before_scopes=True))


def downgrade():
    # A token restricted to products would become unrestricted under the old code: revoke it instead.
    op.execute(api_tokens.update()
               .where(api_tokens.c.may_create_products.is_(False), api_tokens.c.revoked_at.is_(None))
               .values(revoked_at=sa.func.current_timestamp()))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('created_before_scopes')
        batch_op.drop_column('may_create_products')

    drop_table('api_token_products', 'ix_api_token_products_product_id')
