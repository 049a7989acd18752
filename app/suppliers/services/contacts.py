"""Contacts of a supplier: the people questionnaires and purchase records go to."""

from __future__ import annotations

from typing import Any

from app.audit import services as audit
from app.errors import ValidationFailed
from app.extensions import db
from app.suppliers.models import Supplier, SupplierContact
from app.suppliers.services.common import require_editor


def add_contact(supplier: Supplier, *, name: str, email: str, role: str, by: Any = None) -> SupplierContact:
    """A named contact; the e-mail is where questionnaires go."""
    require_editor(by)
    if not name.strip():
        raise ValidationFailed("Give the contact's name.")
    contact = SupplierContact(name=name.strip(), email=email.strip(), role=role.strip())
    supplier.contacts.append(contact)
    db.session.flush()
    return contact


def remove_contact(contact: SupplierContact, *, by: Any = None) -> None:
    """Remove a contact (the audit trail keeps what it was, and says so on the supplier: a removed contact is no
    longer one of the supplier's records, whose history the supplier's page shows)."""
    require_editor(by)
    audit.record("supplier.contact_removed", contact.supplier, contact=contact.name, email=contact.email)
    db.session.delete(contact)
    db.session.flush()
