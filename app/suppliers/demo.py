"""Demo suppliers: eight realistic suppliers in varied states, and optionally a large generated register."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select

from app.auth.models import User
from app.extensions import db
from app.suppliers import rules, services
from app.suppliers.models import (
    Certificate,
    PerformanceEvent,
    PurchaseRecord,
    PurchaseStatus,
    Supplier,
    SupplierContact,
    SupplierKind,
    SupplierStatus,
)

# code, name, kind, status, facts (soup_c, soup_b, high_risk_otss, part11, hosts), scope, contact, months since decision
DEMO: tuple[tuple[Any, ...], ...] = (
    ("SUP-001", "Amazon Web Services EMEA SARL", SupplierKind.CLOUD_PROVIDER, SupplierStatus.APPROVED,
     (False, False, False, False, True), "Hosts the device backend (EU regions)", ("AWS account team", "aws-team@example.com"), 11),
    ("SUP-002", "Python Software Foundation", SupplierKind.OPEN_SOURCE_PROJECT, SupplierStatus.APPROVED,
     (True, False, False, False, False), "CPython runtime for the analysis service", ("PSF security", "security@python.example"), 3),
    ("SUP-003", "Pallets (Flask)", SupplierKind.OPEN_SOURCE_PROJECT, SupplierStatus.CONDITIONALLY_APPROVED,
     (False, True, False, False, False), "Flask web framework (SOUP of the clinician portal)", ("Maintainers", "contact@pallets.example"), 5),
    ("SUP-004", "Atlassian Pty Ltd", SupplierKind.COMMERCIAL_VENDOR, SupplierStatus.APPROVED,
     (False, False, False, True, False), "Jira Cloud: requirements and anomaly tracking (Part 11 records)", ("Atlassian support", "support@atlassian.example"), 23),
    ("SUP-005", "Grafana Labs", SupplierKind.COMMERCIAL_VENDOR, SupplierStatus.UNDER_EVALUATION,
     (False, False, False, False, False), "Grafana Cloud monitoring (OTSS, not high risk)", ("Grafana sales", "sales@grafana.example"), None),
    ("SUP-006", "Acme Validation Services GmbH", SupplierKind.SERVICE_PROVIDER, SupplierStatus.CANDIDATE,
     (False, False, False, False, False), "Penetration testing services", ("Dr. Jane Roe", "jane.roe@acme-val.example"), None),
    ("SUP-007", "OpenSSL Software Foundation", SupplierKind.OPEN_SOURCE_PROJECT, SupplierStatus.SUSPENDED,
     (True, False, False, False, False), "libssl / libcrypto in the device gateway", ("OpenSSL security", "openssl-security@example.org"), 8),
    ("SUP-008", "QuickChart Widgets Inc.", SupplierKind.COMMERCIAL_VENDOR, SupplierStatus.REJECTED,
     (False, True, False, False, False), "Charting widget for the clinician portal", ("Sales", "sales@quickchart.example"), None),
)

GENERATED_PREFIX = "GEN-"


def seed_suppliers(users: dict[str, User], *, suppliers: int = 0, **_options: Any) -> None:
    """The eight demo suppliers (skipped when their code exists) and `suppliers` generated ones for performance."""
    qa = users.get("qa")
    buyer = users.get("purchasing")
    for row in DEMO:
        _seed_one(row, qa)
    _demo_purchase(buyer, qa)
    if suppliers:
        seed_generated(suppliers)


def demo_supplier(code: str, qa: User | None = None) -> Supplier:
    """The demo supplier with this code (one of DEMO), seeded as seed_suppliers would when missing: the other demo
    records link to these, never to a second record of the same company approved without an evaluation."""
    row = next(row for row in DEMO if row[0] == code)
    return _seed_one(row, qa)


def _seed_one(row: tuple[Any, ...], qa: User | None) -> Supplier:
    code, name, kind, status, facts, scope, contact, months_ago = row
    today = services.today()
    if (existing := db.session.scalar(select(Supplier).where(Supplier.code == code))) is not None:
        return existing
    criticality = services.default_criticality(
        supplies_soup_class_c=facts[0], supplies_soup_class_b=facts[1], supplies_high_risk_otss=facts[2],
        otss_holds_part11_records=facts[3], hosts_device=facts[4],
    )
    supplier = Supplier(
        code=code, name=name, kind=kind, status=status, scope=scope, criticality=criticality.criticality,
        criticality_rationale=criticality.rationale, supplies_soup_class_c=facts[0], supplies_soup_class_b=facts[1],
        supplies_high_risk_otss=facts[2], otss_holds_part11_records=facts[3], hosts_device=facts[4],
        website=f"https://{code.lower()}.example", repository_url="",
    )
    supplier.contacts.append(SupplierContact(name=contact[0], email=contact[1], role="primary"))
    if months_ago is not None:
        decided = datetime.combine(today - timedelta(days=30 * months_ago), time(9, 30))
        decision = SupplierStatus.CONDITIONALLY_APPROVED if status == SupplierStatus.CONDITIONALLY_APPROVED else SupplierStatus.APPROVED
        supplier.approval_scope = scope
        supplier.approved_at = decided
        supplier.approved_by_id = qa.id if qa else None
        supplier.next_reevaluation_due = rules.next_due(
            decided.date(), services.reevaluation_period_months(criticality.criticality, decision)
        )
        if decision == SupplierStatus.CONDITIONALLY_APPROVED:
            supplier.conditions = "Pin to 3.0.x; re-check the open issues on the session handling by the next review."
    db.session.add(supplier)
    db.session.flush()
    _certificates_and_events(supplier, today)
    return supplier


def _certificates_and_events(supplier: Supplier, today: Any) -> None:
    if supplier.code == "SUP-001":
        db.session.add_all([
            Certificate(supplier=supplier, standard="ISO/IEC 27001", number="IS 123456", issuer="EY CertifyPoint",
                        valid_until=today + timedelta(days=25)),
            Certificate(supplier=supplier, standard="SOC 2", number="SOC2-T2-2025", issuer="Ernst & Young",
                        valid_until=today + timedelta(days=300)),
        ])
    elif supplier.code == "SUP-004":
        db.session.add_all([
            Certificate(supplier=supplier, standard="ISO/IEC 27001", number="ISMS-7788", issuer="BSI",
                        valid_until=today - timedelta(days=5)),
            Certificate(supplier=supplier, standard="ISO 9001", number="QMS-1201", issuer="BSI",
                        valid_until=today + timedelta(days=45)),
        ])
    elif supplier.code == "SUP-007":
        db.session.add(PerformanceEvent(
            supplier=supplier, occurred_on=today - timedelta(days=12), type="security_advisory", severity="high",
            reference="CVE-2026-0001", description="Critical advisory; fixed release not yet evaluated.",
        ))
    elif supplier.code == "SUP-003":
        db.session.add(PerformanceEvent(
            supplier=supplier, occurred_on=today - timedelta(days=40), type="unannounced_change", severity="medium",
            reference="GH-5123", description="Behaviour change in a minor release without a changelog entry.",
        ))


def _demo_purchase(buyer: User | None, qa: User | None) -> None:
    supplier = db.session.scalar(select(Supplier).where(Supplier.code == "SUP-004"))
    if supplier is None or buyer is None or db.session.scalar(select(PurchaseRecord.id).where(PurchaseRecord.reference == "PO-2026-014")):
        return
    db.session.add(PurchaseRecord(
        supplier=supplier, reference="PO-2026-014", product="Jira Software Cloud Premium", product_version="Cloud",
        specification="25 users, EU data residency", acceptance_criteria="SSO works; project template imported",
        qms_requirements="Change notification 30 days before breaking changes; audit log export",
        change_notification_agreed=True, licence="Atlassian Cloud Terms", status=PurchaseStatus.DRAFT,
        created_by_id=buyer.id,
    ))


KINDS = list(SupplierKind)
STATUSES = [SupplierStatus.APPROVED] * 5 + [SupplierStatus.CANDIDATE, SupplierStatus.UNDER_EVALUATION,
                                            SupplierStatus.CONDITIONALLY_APPROVED, SupplierStatus.INACTIVE]
CRITICALITIES = ["critical", "major", "minor", "minor"]


def seed_generated(count: int, *, batch: int = 2000) -> int:
    """Add generated suppliers GEN-00001... up to `count` (bulk insert; existing codes are kept). Returns how many were added."""
    existing = db.session.scalar(
        select(db.func.count(Supplier.id)).where(Supplier.code.like(f"{GENERATED_PREFIX}%"))
    ) or 0
    today = services.today()
    added = 0
    for start in range(existing, count, batch):
        rows = []
        for n in range(start, min(count, start + batch)):
            status = STATUSES[n % len(STATUSES)]
            approved = status in (SupplierStatus.APPROVED, SupplierStatus.CONDITIONALLY_APPROVED)
            rows.append({
                "code": f"{GENERATED_PREFIX}{n + 1:05d}", "name": f"Generated Supplier {n + 1:05d}",
                "kind": KINDS[n % len(KINDS)], "status": status, "criticality": CRITICALITIES[n % len(CRITICALITIES)],
                "scope": f"Component family {n % 97}", "criticality_rationale": "Generated for performance tests.",
                "next_reevaluation_due": today + timedelta(days=(n * 7) % 900 - 60) if approved else None,
                "version": 1,
            })
        db.session.execute(insert(Supplier), rows)
        added += len(rows)
    return added
