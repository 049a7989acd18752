"""Supplier tasks for My tasks: purchase records to approve, re-evaluations due and certificates expiring. Counts in
SQL, the first few with LIMIT."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Flask, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.access import Permission
from app.extensions import db
from app.inbox.registry import Task, TaskGroup, add_sources
from app.suppliers import services
from app.suppliers.models import PurchaseRecord, PurchaseStatus

AREA = "Suppliers"


def not_started_by(column: Any, user: Any) -> Any:
    """The record was not started by the user (separation of duties: nobody approves their own record)."""
    return or_(column.is_(None), column != user.id)


def _purchases(user: Any, limit: int) -> TaskGroup:
    condition = (PurchaseRecord.status == PurchaseStatus.DRAFT) & not_started_by(PurchaseRecord.created_by_id, user)
    count = db.session.scalar(select(func.count(PurchaseRecord.id)).where(condition)) or 0
    rows = list(db.session.scalars(
        select(PurchaseRecord).where(condition).options(selectinload(PurchaseRecord.supplier))
        .order_by(PurchaseRecord.id).limit(limit)
    )) if limit and count else []
    return TaskGroup("suppliers.purchases", "Purchase records to review and approve", count, [
        Task(f"{purchase.supplier.name} · {purchase.reference or f'purchase {purchase.id}'}",
             url_for("suppliers.purchases_detail", purchase_id=purchase.id), "adequacy review and signature")
        for purchase in rows], url_for("suppliers.purchases_list"), area=AREA)


def _reevaluations(today: date, limit: int) -> TaskGroup:
    due, _overdue = services.reevaluations_due_counts(on=today)
    rows = services.reevaluations_due(on=today, limit=limit) if limit and due else []
    return TaskGroup("suppliers.reevaluations", "Supplier re-evaluations due", due, [
        Task(supplier.name, url_for("suppliers.detail", supplier_id=supplier.id),
             "overdue" if supplier.next_reevaluation_due and supplier.next_reevaluation_due < today else "due soon",
             supplier.next_reevaluation_due)
        for supplier in rows], url_for("suppliers.list", due="due_soon", sort="next_due"), area=AREA)


def _certificates(today: date, limit: int) -> TaskGroup:
    count, _expired = services.certificates_expiring_counts(on=today)
    rows = services.certificates_expiring(on=today, limit=limit) if limit and count else []
    return TaskGroup("suppliers.certificates", "Certificates expiring", count, [
        Task(f"{certificate.supplier.name} · {certificate.standard}",
             url_for("suppliers.detail", supplier_id=certificate.supplier_id, _anchor="certificates"),
             "expired" if certificate.valid_until < today else "ask for the renewed certificate",
             certificate.valid_until)
        for certificate in rows], area=AREA)


def supplier_tasks(user: Any, today: date, limit: int) -> Sequence[TaskGroup]:
    """What waits in supplier qualification for this user (QA is not asked to decide what they started)."""
    groups = []
    if user.has(Permission.PURCHASES_APPROVE):
        groups.append(_purchases(user, limit))
    if user.has(Permission.SUPPLIERS_EDIT):
        groups += [_reevaluations(today, limit), _certificates(today, limit)]
    return groups


def init_app(app: Flask) -> None:
    """Hand the supplier tasks to My tasks."""
    add_sources(app, supplier_tasks)
