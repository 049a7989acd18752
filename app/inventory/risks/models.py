"""Hazards, risk control measures and the SOUP packages linked to them, per product."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.db import TimestampMixin
from app.extensions import db

hazard_controls = Table(
    "hazard_risk_controls",
    db.metadata,
    Column("hazard_id", ForeignKey("hazards.id", ondelete="CASCADE"), primary_key=True),
    Column("risk_control_id", ForeignKey("risk_controls.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Hazard(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """One hazard of the product's risk file: what can go wrong, the harm, and its risk before and after control.
    Severity and probabilities are the company's own scale, kept as written (e.g. "S4", "Serious", "P2")."""

    __tablename__ = "hazards"
    __table_args__ = (UniqueConstraint("product_id", "code", name="uq_hazards_product_id_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)  # HAZ-12, unique per product
    hazard: Mapped[str] = mapped_column(Text, nullable=False)
    harm: Mapped[str] = mapped_column(Text, nullable=False, default="")
    severity: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    probability_before: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    probability_after: Mapped[str] = mapped_column(String(40), nullable=False, default="")

    controls: Mapped[list[RiskControl]] = relationship(secondary=hazard_controls, back_populates="hazards",
                                                       order_by="RiskControl.code")

    def audit_label(self) -> str:
        return self.code


class RiskControl(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    """A risk control measure (RC-3), unique per product; tests can verify it (a test names its id)."""

    __tablename__ = "risk_controls"
    __table_args__ = (UniqueConstraint("product_id", "code", name="uq_risk_controls_product_id_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    measure: Mapped[str] = mapped_column(Text, nullable=False)

    hazards: Mapped[list[Hazard]] = relationship(secondary=hazard_controls, back_populates="controls",
                                                 order_by="Hazard.code")

    def audit_label(self) -> str:
        return self.code


class SoupHazardLink(Audited, db.Model):  # type: ignore[name-defined,misc]
    """A SOUP package of the product can contribute to a hazard (IEC 62304 7.1.2): held for the package in every
    release of the product (package_key: ecosystem and normalised name), whatever its version."""

    __tablename__ = "soup_hazard_links"
    __table_args__ = (
        UniqueConstraint("hazard_id", "package_key", name="uq_soup_hazard_links_hazard_id_package_key"),
        Index("ix_soup_hazard_links_product_id_package_key", "product_id", "package_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), nullable=False, index=True)
    package_key: Mapped[str] = mapped_column(String(400), nullable=False)  # gates.package_key
    display_name: Mapped[str] = mapped_column(String(300), nullable=False)

    hazard: Mapped[Hazard] = relationship()

    def audit_label(self) -> str:
        return f"{self.display_name} → {self.hazard.code if self.hazard else self.hazard_id}"
