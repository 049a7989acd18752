"""The supplier register (ISO 13485 7.4): who supplies what, how critical, and where they stand."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.audit.models import Audited
from app.auth.models import User
from app.db import TimestampMixin, VersionedMixin
from app.extensions import db
from app.labels import label
from app.storage import StoredFile
from app.suppliers.rules import name_key


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


def _name_key_of_insert(context: Any) -> str:
    """The key of an inserted row's name (a Core insert that does not give one); empty without a statement."""
    return name_key(context.get_current_parameters().get("name") or "") if context is not None else ""


class Supplier(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "suppliers"
    __table_args__ = (
        # The register's orders (a column, then id: PostgreSQL needs the id in the index to skip the sort, SQLite
        # has it anyway) and, for a filter on status, kind or criticality, the default order by name (the approved
        # list is status, name): each first page is read from one index instead of sorting every matching row.
        # Re-evaluations due (the home page): counted from the index, the first few read in due order.
        Index("ix_suppliers_status_next_reevaluation_due", "status", "next_reevaluation_due"),
        Index("ix_suppliers_name", "name"),
        Index("ix_suppliers_status_id", "status", "id"),
        Index("ix_suppliers_criticality_id", "criticality", "id"),
        Index("ix_suppliers_next_reevaluation_due", "next_reevaluation_due"),
        Index("ix_suppliers_status_name", "status", "name"),
        Index("ix_suppliers_kind_name", "kind", "name"),
        Index("ix_suppliers_criticality_name", "criticality", "name"),
        # Near-duplicate names are looked for among the neighbours of a name's key in this order.
        Index("ix_suppliers_name_key", "name_key"),
    )
    __audit_exclude__ = frozenset({"name_key"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # rules.name_key(name), kept with the name (also on Core inserts): "Atlassian Pty Ltd" -> "atlassian".
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, default=_name_key_of_insert, server_default="")
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
    # Facts behind the default criticality rule (domain.md); kept so the rule can be re-applied.
    supplies_soup_class_c: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    supplies_soup_class_b: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    supplies_high_risk_otss: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    otss_holds_part11_records: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    hosts_device: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    contacts: Mapped[list[SupplierContact]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan", order_by="SupplierContact.id"
    )
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="supplier", order_by="Certificate.valid_until"
    )
    # The certificates in force: voided ones stay on record but count nowhere (ASL, expiry, reminders).
    active_certificates: Mapped[list[Certificate]] = relationship(
        primaryjoin="and_(Supplier.id == Certificate.supplier_id, Certificate.voided_at.is_(None))",
        order_by="Certificate.valid_until", viewonly=True,
    )
    performance_events: Mapped[list[PerformanceEvent]] = relationship(
        back_populates="supplier", order_by="PerformanceEvent.occurred_on.desc()"
    )
    purchases: Mapped[list[PurchaseRecord]] = relationship(
        back_populates="supplier", order_by="PurchaseRecord.id.desc()"
    )

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = name_key(name or "")
        return name

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


class CertificateStandard(StrEnum):
    ISO_9001 = "ISO 9001"
    ISO_13485 = "ISO 13485"
    ISO_IEC_27001 = "ISO/IEC 27001"
    SOC_2 = "SOC 2"
    OTHER = "other"


class Certificate(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "supplier_certificates"
    __table_args__ = (Index("ix_supplier_certificates_valid_until", "valid_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False, index=True)
    standard: Mapped[str] = mapped_column(String(30), nullable=False)
    number: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    issuer: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"), nullable=True)
    # Voided (entered in error, withdrawn by the issuer...): kept with the reason, never deleted.
    voided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    void_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    supplier: Mapped[Supplier] = relationship(back_populates="certificates")
    evidence_file: Mapped[StoredFile | None] = relationship()
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])

    @property
    def is_voided(self) -> bool:
        """A voided certificate stays on record but is no longer in force."""
        return self.voided_at is not None

    def audit_label(self) -> str:
        return f"{self.standard} {self.number}".strip()


class PerformanceEventType(StrEnum):
    DEFECT = "defect"
    SECURITY_ADVISORY = "security_advisory"
    LATE_PATCH = "late_patch"
    SUPPORT_FAILURE = "support_failure"
    UNANNOUNCED_CHANGE = "unannounced_change"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class PerformanceEvent(Audited, TimestampMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "supplier_performance_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False, index=True)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    type: Mapped[str] = mapped_column(String(30), nullable=False)
    severity: Mapped[str] = mapped_column(String(10), nullable=False, default=Severity.LOW)
    reference: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    supplier: Mapped[Supplier] = relationship(back_populates="performance_events")
    recorded_by: Mapped[User | None] = relationship()

    def audit_label(self) -> str:
        return f"{label(self.type)} {self.occurred_on} {self.reference}".strip()


class PurchaseStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"  # adequacy reviewed and signed: may be sent
    SENT = "sent"
    VERIFIED = "verified"  # receipt verified (accepted or rejected)


class ReceiptResult(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class PurchaseRecord(Audited, TimestampMixin, VersionedMixin, db.Model):  # type: ignore[name-defined,misc]
    """Purchasing information (ISO 13485 7.4.2) and the verification of what was received (7.4.3)."""

    __tablename__ = "purchase_records"
    __table_args__ = (Index("ix_purchase_records_status", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), nullable=False, index=True)
    reference: Mapped[str] = mapped_column(String(80), nullable=False, default="")  # order number
    product: Mapped[str] = mapped_column(String(200), nullable=False)
    product_version: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    quantity: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # "50 named users", "1 licence"
    specification: Mapped[str] = mapped_column(Text, nullable=False, default="")  # product requirements
    # ISO 13485 7.4.2 a) and b): requirements for the supplier's processes and for the qualification of its people
    process_requirements: Mapped[str] = mapped_column(Text, nullable=False, default="")
    personnel_requirements: Mapped[str] = mapped_column(Text, nullable=False, default="")
    acceptance_criteria: Mapped[str] = mapped_column(Text, nullable=False, default="")
    qms_requirements: Mapped[str] = mapped_column(Text, nullable=False, default="")
    change_notification_agreed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    licence: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PurchaseStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Receipt verification (7.4.3)
    received_version: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    version_checked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    checksum: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    checksum_checked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    licence_checked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    installation_checked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    validation_reference: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    receipt_result: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    receipt_notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    supplier: Mapped[Supplier] = relationship(back_populates="purchases")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    def audit_label(self) -> str:
        return f"{self.reference or '#' + str(self.id)} {self.product} {self.product_version}".strip()


# The records that belong to a supplier and have no page of their own (each with a `supplier_id`): its History panel
# and its audit extract show their events with the supplier's.
SUPPLIER_PARTS: tuple[Any, ...] = (SupplierContact, Certificate, PerformanceEvent)
