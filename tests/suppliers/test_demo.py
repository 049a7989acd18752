"""Demo suppliers: varied states, certificates near expiry, idempotent, and a large generated register on request."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.suppliers.models import Certificate, Supplier


def test_demo_seed_adds_eight_suppliers_in_varied_states_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    demo = db.session.scalars(select(Supplier).where(Supplier.code.like("SUP-%"))).all()
    assert len(demo) == 8
    assert {s.status for s in demo} >= {"candidate", "under_evaluation", "approved", "conditionally_approved",
                                       "suspended", "rejected"}
    assert {s.kind for s in demo} == {"commercial_vendor", "open_source_project", "cloud_provider", "service_provider"}
    assert {s.criticality for s in demo} == {"critical", "major", "minor"}
    assert db.session.scalar(select(func.count(Certificate.id))) >= 3
    approved = [s for s in demo if s.status == "approved"]
    assert all(s.next_reevaluation_due and s.approved_by_id for s in approved)


def test_demo_seed_generates_a_large_register_on_request(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed", "--suppliers", "300"])
    assert result.exit_code == 0, result.output
    runner.invoke(args=["demo", "seed", "--suppliers", "300"])
    assert db.session.scalar(select(func.count(Supplier.id)).where(Supplier.code.like("GEN-%"))) == 300
