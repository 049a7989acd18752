"""Who follows a product, and the alerts raised when an advisory reaches one of its frozen releases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.auth.models import User
from app.db import utcnow
from app.extensions import db
from app.inventory.advisories.models import Advisory
from app.inventory.models import Product


class ProductSubscription(Audited, db.Model):  # type: ignore[name-defined,misc]
    """A user who receives the product's alert digests (nobody by default)."""

    __tablename__ = "product_subscriptions"
    __table_args__ = (UniqueConstraint("product_id", "user_id", name="uq_product_subscriptions_product_id_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    product: Mapped[Product] = relationship()
    user: Mapped[User] = relationship()

    def audit_label(self) -> str:
        return f"{self.user.username} follows {self.product.name}"


class ProductAlert(Audited, db.Model):  # type: ignore[name-defined,misc]
    """The triage item of one advisory for one product: raised when the advisory arrives (or its affected packages
    change) after a release of the product was frozen. Its matches on the frozen releases are put under
    investigation; it stays open while any of them is open or under investigation. One per product and advisory."""

    __tablename__ = "product_alerts"
    __table_args__ = (
        UniqueConstraint("product_id", "advisory_id", name="uq_product_alerts_product_id_advisory_id"),
        Index("ix_product_alerts_raised_at", "raised_at"),
        Index("ix_product_alerts_mailed_at", "mailed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), nullable=False)
    advisory_id: Mapped[int] = mapped_column(ForeignKey("advisories.id", ondelete="CASCADE"), nullable=False, index=True)
    raised_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)  # first raised, or again
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # in a digest since it was raised

    product: Mapped[Product] = relationship()
    advisory: Mapped[Advisory] = relationship()

    def audit_label(self) -> str:
        return f"{self.advisory.osv_id} on {self.product.name}"
