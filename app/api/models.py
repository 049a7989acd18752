"""API tokens: made by an admin, shown once, stored as a SHA-256 hash, scoped, revocable.

Besides its kind of work (`scope`), a token is bound to products: it may import only into the products
named in `products`, or, with `may_create_products`, into any product, creating new ones. Tokens that
existed before product scopes were introduced (migration 0009) kept "may create products" and carry
`created_before_scopes` so that the admin page can flag them for replacement.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.auth.models import User
from app.db import TimestampMixin
from app.extensions import db
from app.inventory.models import Product


class TokenScope(StrEnum):
    INVENTORY_IMPORT = "inventory.import"


# The products a token may import into (unless it may create products, then it may import into any).
api_token_products = Table(
    "api_token_products",
    db.Model.metadata,
    Column("token_id", ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ApiToken(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "api_tokens"
    # The hash is a secret-equivalent and last use is recorded as a token_used event instead.
    __audit_exclude__ = frozenset({"token_hash", "last_used_at"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)  # shown in lists to tell tokens apart
    scope: Mapped[str] = mapped_column(String(40), nullable=False, default=TokenScope.INVENTORY_IMPORT)
    may_create_products: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_before_scopes: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    products: Mapped[list[Product]] = relationship(secondary=api_token_products, order_by=Product.name)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def may_import_into(self, product: Product | None) -> bool:
        """May this token import into `product` (None: a product that does not exist yet)?"""
        if self.may_create_products:
            return True
        return product is not None and any(allowed.id == product.id for allowed in self.products)

    @property
    def scope_labels(self) -> list[str]:
        """The token's product scope as the labels the admin page shows."""
        if self.may_create_products:
            return ["any product (may create)"]
        return [product.name for product in self.products]
