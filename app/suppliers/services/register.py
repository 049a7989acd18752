"""The supplier register: create and edit a supplier (unique code, criticality by rule or by hand)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import func, or_, select

from app.audit import services as audit
from app.audit.queries import provide_code_lookup, provide_record_suggestions
from app.errors import ValidationFailed
from app.extensions import db
from app.suppliers import rules
from app.suppliers.models import Supplier, SupplierContact, SupplierKind, SupplierStatus
from app.suppliers.services.common import require_editor, stale_edit
from app.suppliers.services.criticality import default_criticality


@dataclass
class SupplierInput:
    """What a person types to create or edit a supplier (shape checked by the form)."""

    code: str
    name: str
    kind: str = SupplierKind.COMMERCIAL_VENDOR
    website: str = ""
    repository_url: str = ""
    scope: str = ""
    notes: str = ""
    supplies_soup_class_c: bool = False
    supplies_soup_class_b: bool = False
    supplies_high_risk_otss: bool = False
    otss_holds_part11_records: bool = False
    hosts_device: bool = False
    manual_criticality: str = ""  # '' = use the default rule
    criticality_rationale: str = ""
    contacts: list[tuple[str, str, str]] = field(default_factory=list)  # (name, email, role), create only


def _apply_input(supplier: Supplier, data: SupplierInput) -> None:
    """Copy the entered values onto the supplier, its criticality by the default rule or set by hand with a rationale."""
    if data.kind not in set(SupplierKind):
        raise ValidationFailed(f"Unknown supplier kind {data.kind!r}.")
    result = default_criticality(
        supplies_soup_class_c=data.supplies_soup_class_c, supplies_high_risk_otss=data.supplies_high_risk_otss,
        hosts_device=data.hosts_device, supplies_soup_class_b=data.supplies_soup_class_b,
        otss_holds_part11_records=data.otss_holds_part11_records,
        manual=data.manual_criticality or None, rationale=data.criticality_rationale,
    )
    supplier.code = data.code.strip()
    supplier.name = data.name.strip()
    supplier.kind = data.kind
    supplier.website = data.website.strip()
    supplier.repository_url = data.repository_url.strip()
    supplier.scope = data.scope.strip()
    supplier.notes = data.notes.strip()
    supplier.supplies_soup_class_c = data.supplies_soup_class_c
    supplier.supplies_soup_class_b = data.supplies_soup_class_b
    supplier.supplies_high_risk_otss = data.supplies_high_risk_otss
    supplier.otss_holds_part11_records = data.otss_holds_part11_records
    supplier.hosts_device = data.hosts_device
    supplier.criticality = result.criticality
    supplier.criticality_is_manual = result.is_manual
    supplier.criticality_rationale = result.rationale


def _require_unique_code(code: str, supplier_id: int | None = None) -> None:
    """A supplier needs a code that no other supplier has (compared without case)."""
    query = select(Supplier.id).where(func.lower(Supplier.code) == code.strip().lower())
    if supplier_id is not None:
        query = query.where(Supplier.id != supplier_id)
    if not code.strip():
        raise ValidationFailed("Give the supplier a code.")
    if db.session.scalar(query) is not None:
        raise ValidationFailed(f"The code {code.strip()} is already used by another supplier.")


def create_supplier(data: SupplierInput, *, by: Any = None) -> Supplier:
    """A new supplier starts as a candidate; its code is unique; criticality follows the rule or a rationale.
    A name close to an existing supplier's is flagged (audit event supplier.possible_duplicate), not refused."""
    require_editor(by)
    _require_unique_code(data.code)
    supplier = Supplier(status=SupplierStatus.CANDIDATE)
    _apply_input(supplier, data)
    for name, email, role in data.contacts:
        if name.strip():
            supplier.contacts.append(SupplierContact(name=name.strip(), email=email.strip(), role=role.strip()))
    db.session.add(supplier)
    db.session.flush()
    flag_near_duplicates(supplier)
    return supplier


NEAR_DUPLICATE_NEIGHBOURS = 200  # keys read on each side of a name's key


def near_duplicates(name: str, *, exclude_id: int | None = None) -> list[Supplier]:
    """Suppliers whose names probably mean the same company or project ("ATLASSIAN" beside "Atlassian Pty Ltd"),
    among the names whose keys sort next to this one's (the same key, a key it starts with or that starts with it,
    a late typo): two index reads whatever the size of the register."""
    key = rules.name_key(name)
    if not key:
        return []
    column = Supplier.name_key
    neighbours = select(Supplier.id, Supplier.name).limit(NEAR_DUPLICATE_NEIGHBOURS)
    names = {
        row.id: row.name
        for query in (neighbours.where(column >= key).order_by(column),
                      neighbours.where(column < key).order_by(column.desc()))
        for row in db.session.execute(query)
        if row.id != exclude_id
    }
    ids = rules.near_duplicates(name, names)
    if not ids:
        return []
    return list(db.session.scalars(select(Supplier).where(Supplier.id.in_(ids)).order_by(Supplier.name)))


def flag_near_duplicates(supplier: Supplier) -> list[Supplier]:
    """Record in the audit trail that a new supplier's name is close to existing ones; returns them."""
    similar = near_duplicates(supplier.name, exclude_id=supplier.id)
    if similar:
        audit.record("supplier.possible_duplicate", supplier,
                     similar=[f"{other.code} {other.name}" for other in similar])
    return similar


def update_supplier(supplier: Supplier, data: SupplierInput, *, expected_version: int, by: Any = None) -> None:
    """Edit the register entry; an edit made on an older version is refused as stale (409)."""
    require_editor(by)
    if supplier.version != expected_version:
        raise stale_edit("supplier", supplier.id)
    _require_unique_code(data.code, supplier.id)
    _apply_input(supplier, data)
    db.session.flush()


def supplier_for_code(code: str) -> tuple[str, str] | None:
    """The audit log's look-up of a supplier code (SUP-020, any case): ("supplier", id), or None."""
    found = db.session.scalar(select(Supplier.id).where(Supplier.code.in_({code, code.upper()})).limit(1))
    return None if found is None else ("supplier", str(found))


def suppliers_starting(text: str, limit: int) -> list[tuple[str, str]]:
    """The record picker's suppliers: code (any case) or name starting with the text, by code."""
    key = rules.name_key(text)
    condition = Supplier.code.startswith(text.upper(), autoescape=True)
    if key:
        condition = or_(condition, Supplier.name_key.startswith(key, autoescape=True))
    rows = db.session.execute(select(Supplier.code, Supplier.name).where(condition).order_by(Supplier.code).limit(limit))
    return [(code, f"{code} · {name} (supplier)") for code, name in rows]


def init_app(app: Flask) -> None:
    """Let the audit log find a supplier's events by its code, and offer suppliers to its record picker."""
    provide_code_lookup(app, supplier_for_code)
    provide_record_suggestions(app, suppliers_starting)
