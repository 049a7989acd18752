"""Who may do what to a supplier record: named predicates, called by views and by services."""

from __future__ import annotations

from typing import Any

from app.access import Permission
from app.suppliers.models import PurchaseRecord


def can_edit_suppliers(user: Any) -> bool:
    """Purchasing and QA keep the register."""
    return bool(user.has(Permission.SUPPLIERS_EDIT))


def can_decide(user: Any) -> bool:
    """Only QA decides on a supplier's status (and signs it)."""
    return bool(user.has(Permission.SUPPLIERS_DECIDE))


def can_edit_purchase(user: Any, purchase: PurchaseRecord | None = None) -> bool:
    """Purchasing writes purchase records; once reviewed they are frozen."""
    return bool(user.has(Permission.PURCHASES_EDIT)) and (purchase is None or purchase.status == "draft")


def can_approve_purchase(user: Any, purchase: PurchaseRecord) -> bool:
    """QA reviews the adequacy of purchasing information, never of a record they wrote."""
    return bool(user.has(Permission.PURCHASES_APPROVE)) and purchase.created_by_id != user.id


def can_verify_receipt(user: Any) -> bool:
    """Purchasing or QA verifies what was received."""
    return bool(user.has(Permission.PURCHASES_EDIT) or user.has(Permission.PURCHASES_APPROVE))
