"""The supplier register (ISO 13485 7.4): who supplies what, how critical, and where they stand."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import Audited
from app.db import TimestampMixin, VersionedMixin
from app.extensions import db


class SupplierKind(StrEnum):
    COMMERCIAL_VENDOR = "commercial_vendor"
    OPEN_SOURCE_PROJECT = "open_source_project"
    CLOUD_PROVIDER = "cloud_provider"
    SERVICE_PROVIDER = "service_provider"


class Criticality(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class SupplierStatus(StrEnum):
    CANDIDATE = "candidate"
    UNDER_EVALUATION = "under_evaluation"
    APPROVED = "approved"
    CONDITIONALLY_APPROVED = "conditionally_approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    DISQUALIFIED = "disqualified"
    INACTIVE = "inactive"


class Supplier(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "suppliers"
    __table_args__ = (
        Index("ix_suppliers_status", "status"),
        Index("ix_suppliers_kind", "kind"),
        Index("ix_suppliers_criticality", "criticality"),
        Index("ix_suppliers_next_reevaluation_due", "next_reevaluation_due"),
        Index("ix_suppliers_name", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default=SupplierKind.COMMERCIAL_VENDOR)
    website: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    repository_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")  # what it supplies
    criticality: Mapped[str] = mapped_column(String(20), nullable=False, default=Criticality.MINOR)
    criticality_is_manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    criticality_rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(30), nullable=False, default=SupplierStatus.CANDIDATE)
    approval_scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    next_reevaluation_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")

    contacts: Mapped[list[SupplierContact]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan", order_by="SupplierContact.id"
    )

    def audit_label(self) -> str:
        return f"{self.code} {self.name}"


class SupplierContact(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "supplier_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(120), nullable=False, default="")

    supplier: Mapped[Supplier] = relationship(back_populates="contacts")

    def audit_label(self) -> str:
        return f"{self.name} <{self.email}>"
