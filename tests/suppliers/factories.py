"""Plain factories for supplier tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.extensions import db
from app.suppliers.models import Certificate, Supplier, SupplierStatus


def make_supplier(code: str = "S-001", name: str = "Acme Software", **fields: Any) -> Supplier:
    """A supplier row as it would be after some history (no workflow checks)."""
    supplier = Supplier(
        code=code, name=name, kind=fields.pop("kind", "commercial_vendor"),
        status=fields.pop("status", SupplierStatus.CANDIDATE), criticality=fields.pop("criticality", "minor"),
        **fields,
    )
    db.session.add(supplier)
    db.session.flush()
    return supplier


def make_certificate(supplier: Supplier, valid_until: date, standard: str = "ISO 13485", number: str = "C-1") -> Certificate:
    certificate = Certificate(supplier=supplier, standard=standard, number=number, issuer="TÜV", valid_until=valid_until)
    db.session.add(certificate)
    db.session.flush()
    return certificate
