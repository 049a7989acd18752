"""The sub-record lists of a supplier's page: one query each, which the page shows a page at a time (a supplier
with hundreds of certificates or events renders as fast as one with a few)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.suppliers.models import Certificate, PerformanceEvent, PurchaseRecord, Supplier, SupplierContact


def contacts_of(supplier: Supplier) -> Select[Any]:
    """The supplier's contacts, in the order they were added."""
    return select(SupplierContact).where(SupplierContact.supplier_id == supplier.id).order_by(SupplierContact.id)


def certificates_of(supplier: Supplier) -> Select[Any]:
    """Every certificate of the supplier (voided ones stay on record), soonest expiry first."""
    return (
        select(Certificate).where(Certificate.supplier_id == supplier.id)
        .options(selectinload(Certificate.evidence_file), selectinload(Certificate.voided_by))
        .order_by(Certificate.valid_until, Certificate.id)
    )


def performance_events_of(supplier: Supplier) -> Select[Any]:
    """The supplier's performance events, latest first."""
    return (
        select(PerformanceEvent).where(PerformanceEvent.supplier_id == supplier.id)
        .order_by(PerformanceEvent.occurred_on.desc(), PerformanceEvent.id.desc())
    )


def purchases_of(supplier: Supplier) -> Select[Any]:
    """The supplier's purchase records, newest first."""
    return select(PurchaseRecord).where(PurchaseRecord.supplier_id == supplier.id).order_by(PurchaseRecord.id.desc())
