"""`flask demo seed`: one user per role (and a second engineer who reviews), idempotent, refused in production."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.helpers import login


def test_seed_creates_one_user_per_role_and_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    usernames = set(db.session.scalars(select(User.username)))
    assert usernames == {"admin", "qa", "purchasing", "engineer", "reviewer", "auditor"}
    assert login(app.test_client(), "qa", "provenance-demo").status_code == 302


def test_seed_is_refused_in_production(app):
    app.config["ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
    finally:
        app.config["ENV"] = "test"
    assert result.exit_code == 2 and "refused" in result.output


def test_the_demo_holds_a_release_that_passed_every_gate_and_a_draft_with_open_problems(app):
    from app.inventory import services as inventory
    from app.inventory.demo import GATED_PRODUCT

    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    product = inventory.find_product(GATED_PRODUCT)
    frozen, draft = inventory.find_release(product, "3.0"), inventory.find_release(product, "3.1")
    assert frozen.is_frozen and not draft.is_frozen
    signed = inventory.release_signatures(frozen)
    assert signed["authored"].printed_name != signed["approved"].printed_name
    assert inventory.current_author_signature(frozen) is not None
    assert inventory.release_readiness(frozen).ready
    problems = {problem.rule for problem in inventory.release_readiness(draft).problems}
    assert {"exact_version", "advisory_triage", "anomaly_review"} <= problems


def test_every_approved_demo_supplier_has_a_signed_decision_and_no_company_is_registered_twice(app):
    from app.questionnaires.models import Evaluation
    from app.suppliers.models import Supplier, SupplierStatus

    assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    suppliers = db.session.scalars(select(Supplier)).all()
    approved = [s for s in suppliers if s.status in (SupplierStatus.APPROVED, SupplierStatus.CONDITIONALLY_APPROVED)]
    decided = set(db.session.scalars(select(Evaluation.supplier_id).where(Evaluation.status == "decided")))
    assert approved and [s.code for s in approved if s.id not in decided] == []
    first_words = [s.name.split()[0].lower() for s in suppliers]
    assert sorted(w for w in first_words if first_words.count(w) > 1) == []  # e.g. no second "Pallets" or "Amazon"
