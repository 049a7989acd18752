"""Rules and writes of the supplier register, one module per record. Services flush; the view or CLI commits.

Callers use `from app.suppliers import services` and `services.<name>`: every public name is re-exported here."""

from __future__ import annotations

from app.db import today
from app.suppliers.services.approved_list import (
    ASL_COLUMNS,
    ApprovedFilters,
    LastEvaluations,
    approved_query,
    approved_rows,
    certificates_text,
    last_evaluations,
    provide_last_evaluations,
)
from app.suppliers.services.certificates import (
    add_certificate,
    certificates_expiring,
    certificates_expiring_counts,
    edit_certificate,
    void_certificate,
)
from app.suppliers.services.contacts import add_contact, remove_contact
from app.suppliers.services.criticality import (
    default_criticality,
    facts_of,
    reevaluation_period_months,
    reevaluations_due,
    reevaluations_due_counts,
)
from app.suppliers.services.performance_events import record_performance_event
from app.suppliers.services.purchases import (
    PurchaseFilters,
    PurchaseInput,
    ReceiptInput,
    approve_purchase,
    create_purchase,
    mark_purchase_sent,
    purchase_content,
    purchase_query,
    purchase_sign_target,
    receipt_sign_target,
    update_purchase,
    verify_receipt,
)
from app.suppliers.services.register import (
    SupplierInput,
    create_supplier,
    flag_near_duplicates,
    near_duplicates,
    update_supplier,
)
from app.suppliers.services.register_list import (
    EXPORT_COLUMNS,
    LIST_COLUMNS,
    SORTS,
    SupplierFilters,
    export_rows,
    supplier_query,
)
from app.suppliers.services.status import (
    DECISIONS,
    STATUS_ACTIONS,
    apply_decision,
    available_actions,
    change_status,
    sign_target,
    start_evaluation_status,
    supplier_content,
)
from app.suppliers.services.sub_records import certificates_of, contacts_of, performance_events_of, purchases_of

__all__ = [
    "ASL_COLUMNS",
    "DECISIONS",
    "EXPORT_COLUMNS",
    "LIST_COLUMNS",
    "SORTS",
    "STATUS_ACTIONS",
    "ApprovedFilters",
    "LastEvaluations",
    "PurchaseFilters",
    "PurchaseInput",
    "ReceiptInput",
    "SupplierFilters",
    "SupplierInput",
    "add_certificate",
    "add_contact",
    "apply_decision",
    "approve_purchase",
    "approved_query",
    "approved_rows",
    "available_actions",
    "certificates_expiring",
    "certificates_expiring_counts",
    "certificates_of",
    "certificates_text",
    "change_status",
    "contacts_of",
    "create_purchase",
    "create_supplier",
    "default_criticality",
    "edit_certificate",
    "export_rows",
    "facts_of",
    "flag_near_duplicates",
    "last_evaluations",
    "mark_purchase_sent",
    "near_duplicates",
    "performance_events_of",
    "provide_last_evaluations",
    "purchase_content",
    "purchase_query",
    "purchase_sign_target",
    "purchases_of",
    "receipt_sign_target",
    "record_performance_event",
    "reevaluation_period_months",
    "reevaluations_due",
    "reevaluations_due_counts",
    "remove_contact",
    "sign_target",
    "start_evaluation_status",
    "supplier_content",
    "supplier_query",
    "today",
    "update_purchase",
    "update_supplier",
    "verify_receipt",
    "void_certificate",
]
