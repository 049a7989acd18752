"""The register list: filters from the query string, the sorted query and the full export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.db import today
from app.extensions import db
from app.suppliers.models import Criticality, Supplier, SupplierKind, SupplierStatus
from app.suppliers.services.common import contains_text, export_cell, query_arg, search_arg, setting

SORTS: dict[str, Any] = {
    "name": Supplier.name,
    "code": Supplier.code,
    "criticality": Supplier.criticality,
    "status": Supplier.status,
    "next_due": Supplier.next_reevaluation_due,
}


# The columns the register list shows (the list loads only these: it is the hot path).
LIST_COLUMNS = (
    Supplier.code, Supplier.name, Supplier.kind, Supplier.criticality, Supplier.status, Supplier.next_reevaluation_due,
)


@dataclass(frozen=True)
class SupplierFilters:
    """The register list's search, filters and sort."""

    q: str = ""
    status: str = ""
    kind: str = ""
    criticality: str = ""
    due: str = ""  # '' | overdue | due_soon (within the window, overdue included)
    sort: str = "name"
    direction: str = "asc"

    @classmethod
    def from_args(cls, args: Any) -> SupplierFilters:
        """Filters from a query string; unknown values fall back to no filter."""
        return cls(
            q=search_arg(args),
            status=query_arg(args, "status", set(SupplierStatus)),
            kind=query_arg(args, "kind", set(SupplierKind)),
            criticality=query_arg(args, "criticality", set(Criticality)),
            due=query_arg(args, "due", {"overdue", "due_soon"}),
            sort=query_arg(args, "sort", set(SORTS), "name"),
            direction=query_arg(args, "direction", {"asc", "desc"}, "asc"),
        )


def supplier_query(filters: SupplierFilters, *, on: date | None = None) -> Select[Any]:
    """The register filtered and sorted (ties broken by id so pages are stable)."""
    query = select(Supplier)
    if filters.q:
        query = query.where(contains_text(filters.q, Supplier.code, Supplier.name, Supplier.scope))
    if filters.status:
        query = query.where(Supplier.status == filters.status)
    if filters.kind:
        query = query.where(Supplier.kind == filters.kind)
    if filters.criticality:
        query = query.where(Supplier.criticality == filters.criticality)
    day = on or today()
    if filters.due == "overdue":
        query = query.where(Supplier.next_reevaluation_due < day)
    elif filters.due == "due_soon":
        window = int(setting("SUPPLIER_REEVALUATION_WARN_DAYS", 30))
        query = query.where(Supplier.next_reevaluation_due <= day + timedelta(days=window))
    # Criticality sorts by its own column: its values, critical < major < minor, sort in rank order anyway, and
    # the column's index then gives the first page without sorting the whole register.
    column = SORTS[filters.sort]
    ordered = column.desc() if filters.direction == "desc" else column.asc()
    if filters.sort == "next_due":
        ordered = ordered.nulls_last()
    return query.order_by(ordered, Supplier.id)


EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "ID"), ("code", "Code"), ("name", "Name"), ("kind", "Kind"), ("status", "Status"),
    ("criticality", "Criticality"), ("criticality_is_manual", "Criticality set by hand"),
    ("criticality_rationale", "Criticality rationale"), ("supplies_soup_class_c", "SOUP for class C"),
    ("supplies_soup_class_b", "SOUP for class B"), ("supplies_high_risk_otss", "High process risk OTSS"),
    ("otss_holds_part11_records", "OTSS holds Part 11 records"), ("hosts_device", "Hosts the device"),
    ("website", "Website"), ("repository_url", "Repository URL"), ("scope", "Scope"),
    ("approval_scope", "Approval scope"), ("conditions", "Conditions"), ("approved_at", "Approved at (UTC)"),
    ("approved_by", "Approved by"), ("next_reevaluation_due", "Next re-evaluation due"),
    ("contacts", "Contacts"), ("notes", "Notes"), ("created_at", "Created at (UTC)"),
    ("updated_at", "Updated at (UTC)"), ("version", "Record version"),
)


def export_rows(filters: SupplierFilters) -> tuple[list[str], list[list[Any]]]:
    """Every column of every supplier matching the filters (contacts and approver flattened)."""
    query = supplier_query(filters).options(selectinload(Supplier.contacts), selectinload(Supplier.approved_by))
    rows = []
    for supplier in db.session.scalars(query):
        values = []
        for key, _label in EXPORT_COLUMNS:
            if key == "approved_by":
                value = supplier.approved_by.full_name if supplier.approved_by else ""
            elif key == "contacts":
                value = "; ".join(
                    f"{c.name} <{c.email}>" + (f" ({c.role})" if c.role else "") for c in supplier.contacts
                )
            else:
                value = getattr(supplier, key)
            values.append(export_cell(value))
        rows.append(values)
    return [label for _key, label in EXPORT_COLUMNS], rows
