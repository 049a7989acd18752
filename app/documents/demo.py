"""Demo data of the documents: the procedures (SOPs) that govern each document type."""

from __future__ import annotations

from typing import Any

from app.auth.models import User
from app.documents import control

DEMO_PROCEDURES: dict[str, tuple[str, str]] = {
    "supplier_evaluation": ("SOP-PUR-002", "Supplier evaluation and selection"),
    "approved_supplier_list": ("SOP-PUR-002", "Supplier evaluation and selection"),
    "purchasing_information": ("SOP-PUR-001", "Purchasing"),
    "soup_list": ("SOP-SW-004", "SOUP management (IEC 62304)"),
    "release_diff": ("SOP-SW-004", "SOUP management (IEC 62304)"),
    "third_party_notices": ("SOP-SW-004", "SOUP management (IEC 62304)"),
    "traceability_matrix": ("SOP-SW-004", "SOUP management (IEC 62304)"),
    "validation_protocol": ("SOP-VAL-003", "Computer software assurance"),
    "validation_report": ("SOP-VAL-003", "Computer software assurance"),
    "audit_extract": ("SOP-QMS-005", "Control of records"),
}


def seed_procedures(users: dict[str, User], **_options: Any) -> None:
    """Name a procedure for every document type (left as it is when an admin already set one)."""
    existing = control.procedures()
    for doc_type, (reference, title) in DEMO_PROCEDURES.items():
        if doc_type not in existing:
            control.set_procedure(doc_type, reference, title, by=users["admin"])
