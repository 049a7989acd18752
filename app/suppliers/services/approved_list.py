"""The approved supplier list: approved and conditional suppliers with their certificates and the score of their last
decided evaluation (which the questionnaires domain provides)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from app.db import likely, today
from app.labels import label
from app.suppliers import rules
from app.suppliers.models import Certificate, Criticality, Supplier, SupplierKind
from app.suppliers.services.common import export_cell, query_arg, search_arg
from app.suppliers.services.register_list import SupplierFilters, supplier_query
from app.suppliers.workflow import APPROVED_STATUSES

# Score percentage and decision time of each supplier's last decided evaluation, by supplier id.
LastEvaluations = Callable[[list[int]], Mapping[int, tuple[float | None, datetime | None]]]
_LAST_EVALUATIONS = "suppliers.last_evaluations"


def provide_last_evaluations(app: Flask, lookup: LastEvaluations) -> None:
    """Evaluations belong to the questionnaires domain, above the register: it plugs its query in here."""
    app.extensions[_LAST_EVALUATIONS] = lookup


def last_evaluations(supplier_ids: list[int]) -> dict[int, tuple[float | None, datetime | None]]:
    """Score and date of each supplier's last decided evaluation (none while no domain provides them)."""
    lookup: LastEvaluations | None = current_app.extensions.get(_LAST_EVALUATIONS) if has_app_context() else None
    return dict(lookup(supplier_ids)) if lookup is not None else {}


@dataclass(frozen=True)
class ApprovedFilters:
    """The approved supplier list's search and filters."""

    q: str = ""
    kind: str = ""
    criticality: str = ""
    status: str = ""  # approved | conditionally_approved | ''

    @classmethod
    def from_args(cls, args: Any) -> ApprovedFilters:
        """Filters from a query string; unknown values fall back to no filter."""
        return cls(
            q=search_arg(args), kind=query_arg(args, "kind", set(SupplierKind)),
            criticality=query_arg(args, "criticality", set(Criticality)),
            status=query_arg(args, "status", set(APPROVED_STATUSES)),
        )


def approved_query(filters: ApprovedFilters) -> Select[Any]:
    """Approved and conditionally approved suppliers, with approver and certificates loaded in bulk."""
    base = SupplierFilters(q=filters.q, kind=filters.kind, criticality=filters.criticality, status=filters.status)
    query = supplier_query(base)
    if not filters.status:
        # Most of a register is approved: the page reads suppliers by name and keeps the approved ones.
        query = query.where(likely(Supplier.status.in_([s.value for s in APPROVED_STATUSES])))
    return query.options(selectinload(Supplier.active_certificates), selectinload(Supplier.approved_by))


ASL_COLUMNS: tuple[str, ...] = (
    "Code", "Supplier", "Kind", "Criticality", "Status", "Approval scope", "Conditions", "Last score",
    "Last evaluation decided (UTC)", "Certificates (valid until)", "Next re-evaluation due", "Approved at (UTC)",
    "Approved by",
)


def certificates_text(certificates: list[Certificate]) -> str:
    """'ISO 13485 QS-1 (2027-01-31); ...' for a list of certificates."""
    return "; ".join(
        f"{c.standard}{' ' + c.number if c.number else ''} ({c.valid_until.isoformat()})" for c in certificates
    )


def approved_rows(suppliers: Sequence[Supplier]) -> list[dict[str, Any]]:
    """One plain row per approved supplier, with the last evaluation's score and date."""
    evaluations = last_evaluations([s.id for s in suppliers])
    rows = []
    for supplier in suppliers:
        score, decided_at = evaluations.get(supplier.id, (None, None))
        rows.append({
            "supplier": supplier, "score": score, "decided_at": decided_at,
            "cells": [
                supplier.code, supplier.name, label(supplier.kind), label(supplier.criticality), label(supplier.status),
                supplier.approval_scope, supplier.conditions,
                "" if score is None else round(float(score), 1), export_cell(decided_at),
                certificates_text(rules.not_renewed(supplier.active_certificates, today())),
                export_cell(supplier.next_reevaluation_due),
                export_cell(supplier.approved_at), supplier.approved_by.full_name if supplier.approved_by else "",
            ],
        })
    return rows
