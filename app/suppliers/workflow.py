"""State machines of the supplier register: the supplier status and the purchase record.

A move is one function that raises on an illegal move; the tables are plain data.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.audit import services as audit
from app.audit.models import AuditAction
from app.errors import DomainError, ValidationFailed
from app.suppliers.models import PurchaseRecord, PurchaseStatus, Supplier, SupplierStatus

S = SupplierStatus

# domain.md: candidate -> under_evaluation -> approved | conditionally_approved | rejected;
# approved/conditional -> under_evaluation (due, or for cause); approved/conditional -> suspended
# -> approved | disqualified; any -> inactive.
ALLOWED: Mapping[SupplierStatus, frozenset[SupplierStatus]] = {
    S.CANDIDATE: frozenset({S.UNDER_EVALUATION, S.INACTIVE}),
    S.UNDER_EVALUATION: frozenset({S.APPROVED, S.CONDITIONALLY_APPROVED, S.REJECTED, S.INACTIVE}),
    S.APPROVED: frozenset({S.UNDER_EVALUATION, S.SUSPENDED, S.INACTIVE}),
    S.CONDITIONALLY_APPROVED: frozenset({S.UNDER_EVALUATION, S.SUSPENDED, S.INACTIVE}),
    S.SUSPENDED: frozenset({S.APPROVED, S.DISQUALIFIED, S.INACTIVE}),
    S.REJECTED: frozenset({S.INACTIVE}),
    S.DISQUALIFIED: frozenset({S.INACTIVE}),
    S.INACTIVE: frozenset(),
}

# Statuses on the approved supplier list, and those a purchase may be placed with.
APPROVED_STATUSES: frozenset[SupplierStatus] = frozenset({S.APPROVED, S.CONDITIONALLY_APPROVED})


class IllegalTransition(DomainError):
    """The record cannot move from its current status to the requested one."""

    status_code = 409


def can_move(current: str, to: str) -> bool:
    """True when the status table allows the move."""
    return SupplierStatus(to) in ALLOWED.get(SupplierStatus(current), frozenset())


def transition(supplier: Supplier, to: SupplierStatus, *, reason: str) -> None:
    """Move the supplier to a new status; an illegal move or a missing reason raises, nothing changes."""
    current = SupplierStatus(supplier.status)
    target = SupplierStatus(to)
    if not can_move(current, target):
        raise IllegalTransition(
            f"A supplier cannot go from {current.value.replace('_', ' ')} to {target.value.replace('_', ' ')}."
        )
    if not reason.strip():
        raise ValidationFailed("Give a reason for the status change.")
    supplier.status = target
    audit.record(
        "supplier.status_changed", supplier, action=AuditAction.STATUS_CHANGE, reason=reason.strip(),
        **{"from": current.value, "to": target.value},
    )


P = PurchaseStatus

PURCHASE_ALLOWED: Mapping[PurchaseStatus, frozenset[PurchaseStatus]] = {
    P.DRAFT: frozenset({P.APPROVED}),
    P.APPROVED: frozenset({P.SENT}),
    P.SENT: frozenset({P.VERIFIED}),
    P.VERIFIED: frozenset(),
}


def purchase_transition(purchase: PurchaseRecord, to: PurchaseStatus) -> None:
    """Move a purchase record along draft -> approved (adequacy signed) -> sent -> verified (receipt)."""
    current = PurchaseStatus(purchase.status)
    if PurchaseStatus(to) not in PURCHASE_ALLOWED[current]:
        raise IllegalTransition(f"A purchase record cannot go from {current.value} to {PurchaseStatus(to).value}.")
    purchase.status = PurchaseStatus(to)
