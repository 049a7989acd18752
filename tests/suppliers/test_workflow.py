"""The supplier status machine of domain.md: every allowed move works, forbidden moves raise."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.errors import PermissionDenied, ValidationFailed
from app.suppliers import services
from app.suppliers.models import SupplierStatus as S
from app.suppliers.workflow import ALLOWED, IllegalTransition, transition
from tests.suppliers.factories import make_supplier

ALLOWED_MOVES = [
    (S.CANDIDATE, S.UNDER_EVALUATION),
    (S.UNDER_EVALUATION, S.APPROVED),
    (S.UNDER_EVALUATION, S.CONDITIONALLY_APPROVED),
    (S.UNDER_EVALUATION, S.REJECTED),
    (S.APPROVED, S.UNDER_EVALUATION),
    (S.CONDITIONALLY_APPROVED, S.UNDER_EVALUATION),
    (S.APPROVED, S.SUSPENDED),
    (S.CONDITIONALLY_APPROVED, S.SUSPENDED),
    (S.SUSPENDED, S.APPROVED),
    (S.SUSPENDED, S.DISQUALIFIED),
    *[(status, S.INACTIVE) for status in S if status != S.INACTIVE],
]


def test_the_table_holds_exactly_the_domain_moves():
    table = {(source, target) for source, targets in ALLOWED.items() for target in targets}
    assert table == set(ALLOWED_MOVES)


@pytest.mark.parametrize(("source", "target"), ALLOWED_MOVES, ids=lambda s: s.value)
def test_every_allowed_move_changes_the_status_and_is_audited(app, source, target):
    supplier = make_supplier(status=source)
    transition(supplier, target, reason="because")
    assert supplier.status == target
    event = app.extensions["sqlalchemy"].session.scalars(
        select(AuditEvent).where(AuditEvent.name == "supplier.status_changed")
    ).one()
    assert event.reason == "because"
    assert event.details == {"from": source.value, "to": target.value}


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.CANDIDATE, S.APPROVED),
        (S.CANDIDATE, S.SUSPENDED),
        (S.UNDER_EVALUATION, S.SUSPENDED),
        (S.REJECTED, S.APPROVED),
        (S.REJECTED, S.UNDER_EVALUATION),
        (S.SUSPENDED, S.CONDITIONALLY_APPROVED),
        (S.SUSPENDED, S.UNDER_EVALUATION),
        (S.DISQUALIFIED, S.APPROVED),
        (S.INACTIVE, S.CANDIDATE),
        (S.INACTIVE, S.APPROVED),
        (S.APPROVED, S.REJECTED),
    ],
    ids=lambda s: s.value,
)
def test_forbidden_moves_raise_and_change_nothing(app, source, target):
    supplier = make_supplier(status=source)
    with pytest.raises(IllegalTransition):
        transition(supplier, target, reason="because")
    assert supplier.status == source


def test_a_status_change_needs_a_reason(app):
    supplier = make_supplier(status=S.CANDIDATE)
    with pytest.raises(ValidationFailed):
        transition(supplier, S.UNDER_EVALUATION, reason=" ")
    assert supplier.status == S.CANDIDATE


def test_start_evaluation_moves_a_candidate_and_leaves_one_under_evaluation(app):
    candidate = make_supplier("A", status=S.CANDIDATE)
    ongoing = make_supplier("B", status=S.UNDER_EVALUATION)
    services.start_evaluation_status(candidate)
    services.start_evaluation_status(ongoing)
    assert (candidate.status, ongoing.status) == (S.UNDER_EVALUATION, S.UNDER_EVALUATION)
    with pytest.raises(IllegalTransition):
        services.start_evaluation_status(make_supplier("C", status=S.DISQUALIFIED))


@pytest.mark.parametrize(
    ("criticality", "decision", "due"),
    [
        ("critical", "approved", "2027-03-15"),
        ("major", "approved", "2028-03-15"),
        ("minor", "approved", "2029-03-15"),
        ("critical", "conditionally_approved", "2026-09-15"),
    ],
)
def test_a_decision_sets_status_scope_and_next_due(app, make_user, criticality, decision, due):
    qa = make_user("qa", Role.QA, full_name="Quinn Quality")
    supplier = make_supplier(status=S.UNDER_EVALUATION, criticality=criticality)
    decided = datetime(2026, 3, 15, 10, 30)
    services.apply_decision(
        supplier, decision=decision, approval_scope="Runtime library X", conditions="Fix bug 12 by June",
        decided_at=decided, decided_by=qa,
    )
    assert supplier.status == decision
    assert supplier.next_reevaluation_due.isoformat() == due
    assert (supplier.approved_at, supplier.approved_by_id, supplier.approval_scope) == (decided, qa.id, "Runtime library X")
    assert bool(supplier.conditions) is (decision == "conditionally_approved")
    names = app.extensions["sqlalchemy"].session.scalars(select(AuditEvent.name)).all()
    assert "supplier.decided" in names


def test_a_rejection_clears_scope_and_due(app, make_user):
    qa = make_user("qa", Role.QA)
    supplier = make_supplier(status=S.UNDER_EVALUATION)
    services.apply_decision(supplier, decision="rejected", approval_scope="x", conditions="", decided_at=datetime(2026, 1, 1), decided_by=qa)
    assert (supplier.status, supplier.approval_scope, supplier.next_reevaluation_due) == ("rejected", "", None)


def test_conditional_approval_needs_conditions_and_only_qa_decides(app, make_user):
    qa = make_user("qa", Role.QA)
    buyer = make_user("buyer", Role.PURCHASING)
    supplier = make_supplier(status=S.UNDER_EVALUATION)
    with pytest.raises(ValidationFailed, match="conditions"):
        services.apply_decision(supplier, decision="conditionally_approved", approval_scope="", conditions=" ",
                                decided_at=datetime(2026, 1, 1), decided_by=qa)
    with pytest.raises(PermissionDenied):
        services.apply_decision(supplier, decision="approved", approval_scope="", conditions="",
                                decided_at=datetime(2026, 1, 1), decided_by=buyer)
    assert supplier.status == S.UNDER_EVALUATION


def test_a_decision_on_a_candidate_is_an_illegal_move(app, make_user):
    qa = make_user("qa", Role.QA)
    supplier = make_supplier(status=S.CANDIDATE)
    with pytest.raises(IllegalTransition):
        services.apply_decision(supplier, decision="approved", approval_scope="", conditions="",
                                decided_at=datetime(2026, 1, 1), decided_by=qa)
