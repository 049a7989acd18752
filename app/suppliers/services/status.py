"""A supplier's status: under evaluation, QA's signed decision (scope, conditions, next due), and QA's signed status
changes outside an evaluation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context

from app.audit import services as audit
from app.auth.models import User
from app.db import today
from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning
from app.suppliers import policies, rules
from app.suppliers.models import Supplier, SupplierStatus
from app.suppliers.services.criticality import reevaluation_period_months
from app.suppliers.workflow import IllegalTransition, can_move, transition

DECISIONS = (SupplierStatus.APPROVED, SupplierStatus.CONDITIONALLY_APPROVED, SupplierStatus.REJECTED)


def start_evaluation_status(supplier: Supplier, *, reason: str = "Evaluation started") -> None:
    """Put the supplier under evaluation (no-op when it already is); raises IllegalTransition when it may not be."""
    if supplier.status == SupplierStatus.UNDER_EVALUATION:
        return
    transition(supplier, SupplierStatus.UNDER_EVALUATION, reason=reason)
    db.session.flush()


def apply_decision(
    supplier: Supplier, *, decision: str, approval_scope: str, conditions: str, decided_at: datetime,
    decided_by: User,
) -> None:
    """QA's signed evaluation decision sets status, scope, conditions and next due = date + period."""
    if decision not in set(DECISIONS):
        raise ValidationFailed(f"Unknown decision {decision!r}.")
    if decision == SupplierStatus.CONDITIONALLY_APPROVED and not conditions.strip():
        raise ValidationFailed("A conditional approval needs its conditions.")
    if not policies.can_decide(decided_by):
        raise PermissionDenied("Only QA decides on a supplier.")
    transition(supplier, SupplierStatus(decision), reason=f"Evaluation decision: {decision.replace('_', ' ')}")
    if decision == SupplierStatus.REJECTED:
        supplier.approval_scope = ""
        supplier.conditions = ""
        supplier.next_reevaluation_due = None
    else:
        months = reevaluation_period_months(supplier.criticality, decision)
        supplier.approval_scope = approval_scope.strip()
        supplier.conditions = conditions.strip() if decision == SupplierStatus.CONDITIONALLY_APPROVED else ""
        supplier.approved_at = decided_at
        supplier.approved_by_id = decided_by.id
        supplier.next_reevaluation_due = rules.next_due(decided_at.date(), months)
    db.session.flush()
    audit.record(
        "supplier.decided", supplier, decision=decision, approval_scope=supplier.approval_scope,
        conditions=supplier.conditions, next_reevaluation_due=supplier.next_reevaluation_due,
        decided_by=decided_by.full_name,
    )


# QA's status changes outside an evaluation: name -> (target status, signature meaning)
STATUS_ACTIONS: dict[str, tuple[SupplierStatus, str]] = {
    "suspend": (SupplierStatus.SUSPENDED, Meaning.APPROVED),
    "reactivate": (SupplierStatus.APPROVED, Meaning.APPROVED),
    "disqualify": (SupplierStatus.DISQUALIFIED, Meaning.REJECTED),
    "inactivate": (SupplierStatus.INACTIVE, Meaning.APPROVED),
    "reevaluate": (SupplierStatus.UNDER_EVALUATION, Meaning.APPROVED),
}


def available_actions(supplier: Supplier) -> list[str]:
    """The status actions the table allows from the supplier's current status."""
    return [name for name, (target, _m) in STATUS_ACTIONS.items() if can_move(supplier.status, target)]


def supplier_content(supplier: Supplier) -> dict[str, Any]:
    """The plain content of a supplier record that a signature binds to."""
    return {
        "code": supplier.code, "name": supplier.name, "kind": supplier.kind, "scope": supplier.scope,
        "criticality": supplier.criticality, "criticality_rationale": supplier.criticality_rationale,
        "status": supplier.status, "approval_scope": supplier.approval_scope, "conditions": supplier.conditions,
        "next_reevaluation_due": supplier.next_reevaluation_due.isoformat() if supplier.next_reevaluation_due else None,
    }


@dataclass(frozen=True)
class DecisionRecord:
    """The record a supplier's last signed decision is on (an evaluation): its reference, id and signed content."""

    reference: str
    evaluation_id: int
    target: signatures.SignTarget


DecisionLookup = Callable[[int], DecisionRecord | None]
_DECISIONS = "suppliers.decision_record"


def provide_decision_record(app: Flask, lookup: DecisionLookup) -> None:
    """Evaluations belong to the questionnaires domain, above the register: it plugs its lookup in here."""
    app.extensions[_DECISIONS] = lookup


def decision_record(supplier: Supplier) -> DecisionRecord | None:
    """The evaluation carrying the supplier's last signed decision (None when none was decided)."""
    lookup: DecisionLookup | None = current_app.extensions.get(_DECISIONS) if has_app_context() else None
    return lookup(supplier.id) if lookup is not None else None


def sign_target(supplier: Supplier) -> signatures.SignTarget:
    """The supplier as a signable record (its current version and content)."""
    return signatures.SignTarget("supplier", str(supplier.id), supplier.version, supplier_content(supplier),
                                 lasting=False)


def change_status(supplier: Supplier, action: str, *, reason: str, signer: User, password: str) -> None:
    """QA suspends, reactivates, disqualifies, inactivates or recalls for re-evaluation: a signed decision."""
    if not policies.can_decide(signer):
        raise PermissionDenied("Only QA changes a supplier's status.")
    if action not in STATUS_ACTIONS:
        raise ValidationFailed(f"Unknown status action {action!r}.")
    target, meaning = STATUS_ACTIONS[action]
    if not can_move(supplier.status, target):
        raise IllegalTransition(
            f"A supplier cannot go from {supplier.status.replace('_', ' ')} to {target.value.replace('_', ' ')}."
        )
    if not reason.strip():
        raise ValidationFailed("Give a reason for the status change.")
    content = {**supplier_content(supplier), "decision": action, "new_status": target.value, "reason": reason.strip()}
    signatures.sign(
        signatures.SignTarget("supplier", str(supplier.id), supplier.version, content), signer,
        password=password, meaning=meaning, comment=f"{action.capitalize()}: {reason.strip()}",
    )
    transition(supplier, target, reason=reason)
    if target == SupplierStatus.UNDER_EVALUATION:
        supplier.next_reevaluation_due = min(filter(None, [supplier.next_reevaluation_due, today()]))
    db.session.flush()
