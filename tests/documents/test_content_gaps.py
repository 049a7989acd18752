"""What each Word record must hold for an auditor, read back from the generated .docx: the evaluation's reference,
dates, people and thresholds; the ASL's expired certificates and blocked suppliers; the release diff's purl,
dependency and assessment; the report's summary, evidence hashes, trace and next review; the protocol's test
environment and prerequisites; the purchase's 7.4.2 requirements and signed receipt; the audit extract's
related records."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.access import Role
from app.documents import services
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import Component
from app.questionnaires import evaluations
from app.questionnaires.evaluations import DecisionInput
from app.suppliers import services as suppliers
from app.suppliers.models import Certificate, Supplier
from app.validation import services as validation
from tests.documents.docx_helpers import docx_text
from tests.helpers import PASSWORD
from tests.inventory.factories import release_with, requirements
from tests.questionnaires.factories import make_supplier, scored
from tests.suppliers.test_purchases import ACCEPT
from tests.validation.factories import approved_protocol, execute_all, make_system, write_protocol


def test_the_evaluation_record_has_its_reference_dates_people_thresholds_and_scope(make_user):
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    quinn = make_user("quinn", Role.QA, full_name="Quinn Quality")
    evaluation = scored(pat, make_supplier(code="ABL", name="Able Ltd", criticality="major"))
    evaluations.decide(evaluation, DecisionInput("approved", "Issue tracker SaaS, EU region", "", "Scores well"),
                       signer=quinn, password=PASSWORD)
    db.session.commit()
    text = docx_text(services.generate("supplier_evaluation", str(evaluation.id), by=pat).data)
    assert evaluation.reference in text
    assert "Evaluator\nPat Purchasing" in text and "Quinn Quality" in text
    assert "Sam <sam@acme.example>" in text  # the contact the link was sent to
    for moment in (evaluation.created_at, evaluation.sent_at, evaluation.submitted_at, evaluation.decided_at):
        assert moment.date().isoformat() in text
    threshold = evaluation.score["threshold"]
    assert f"Approved from {threshold['approved']} %, conditionally approved from {threshold['conditional']} %" in text
    assert "Approval scope\nIssue tracker SaaS, EU region" in text


def test_the_asl_flags_expired_certificates_and_lists_blocked_suppliers(make_user):
    qa = make_user("quinn", Role.QA)
    approved = Supplier(code="SUP-1", name="Acme Tools", kind="commercial_vendor", status="approved")
    suspended = Supplier(code="SUP-2", name="Quick Hosting", kind="cloud_provider", status="approved",
                         scope="Database hosting")
    rejected = Supplier(code="SUP-3", name="Never Again", kind="commercial_vendor", status="rejected")
    db.session.add_all([approved, suspended, rejected])
    db.session.flush()
    today = date.today()
    db.session.add_all([
        Certificate(supplier_id=approved.id, standard="ISO 9001", valid_until=today - timedelta(days=3)),
        Certificate(supplier_id=approved.id, standard="ISO 13485", valid_until=today + timedelta(days=300)),
    ])
    suppliers.change_status(suspended, "suspend", reason="Unannounced database upgrade", signer=qa, password=PASSWORD)
    db.session.commit()
    text = docx_text(services.generate("approved_supplier_list", "current", by=qa).data)
    assert f"ISO 9001 (EXPIRED {(today - timedelta(days=3)).isoformat()})" in text
    assert f"ISO 13485 (valid until {(today + timedelta(days=300)).isoformat()})" in text
    blocked = text[text.index("Blocked suppliers"):]
    assert "Quick Hosting" in blocked and "Suspended" in blocked and "Unannounced database upgrade" in blocked
    assert "Never Again" in blocked and "Rejected" in blocked
    assert "Acme Tools" not in blocked


def test_the_release_diff_prints_purl_dependency_and_each_assessment(make_user):
    erin = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    # pip-compile output: "# via -r requirements.in" marks a direct dependency, "# via flask" a transitive one.
    release_with("Pump", "1.0", {"requirements.txt": requirements("click==8.1.7", "flask==3.0.0")})
    compiled = (b"click==8.1.8\n    # via -r requirements.in\n"
                b"jinja2==3.1.4\n    # via click\n")
    new, _ = release_with("Pump", "2.0", {"requirements.txt": compiled})
    changed = [c.id for c in db.session.scalars(select(Component).where(Component.release_id == new.id))]
    inventory.classify_components(new, changed, "otss", "build tooling", by=erin)
    inventory.assess_components(new, changed, "Changelog read; no anomaly affects us", by=erin)
    db.session.commit()
    text = docx_text(services.generate("release_diff", str(new.id), by=erin).data)
    assert "pkg:pypi/jinja2@3.1.4" in text and "pkg:pypi/flask@3.0.0" in text
    lines = text.split("\n")
    assert "Transitive" in lines  # jinja2, added "via click": no longer hard-coded empty
    assert text.count("Changelog read; no anomaly affects us") == 2  # the added and the upgraded component
    assert "Erin Engineer, " in text


def test_the_validation_report_has_summary_evidence_hashes_trace_and_next_review(make_user):
    author, reviewer = make_user("erin", Role.ENGINEER), make_user("rob", Role.ENGINEER)
    qa, tester = make_user("quinn", Role.QA), make_user("tess", Role.ENGINEER)
    system = make_system(author)
    protocol = approved_protocol(system, author, reviewer, qa)
    execute_all(protocol, tester)
    case = protocol.test_cases[0]
    screen = FileStorage(stream=io.BytesIO(b"%PDF-1.7\nscreen"), filename="tc01.pdf", content_type="application/pdf")
    entry = validation.record_execution(
        protocol, tester, test_case_id=case.id, test_step_id=case.steps[0].id if case.steps else None,
        tested_version=protocol.system_version, actual_result="As expected, screenshot attached", outcome="pass",
        evidence=screen,
    )
    evidence = entry.evidence
    report = validation.complete_execution(protocol, tester)
    validation.save_report(report, tester, conclusion="fit", restrictions="", summary="Every function works as intended.")
    validation.sign_report(report, tester, password=PASSWORD)
    validation.approve_report(report, qa, password=PASSWORD)
    db.session.commit()
    text = docx_text(services.generate("validation_report", str(protocol.id), by=tester).data)
    assert "Every function works as intended." in text
    assert evidence.sha256 in text and "tc01.pdf" in text
    trace = text[text.index("Traceability"):]
    for function in system.functions:
        assert function.description in trace
    assert "TC-1" in trace and "Passed" in trace
    assert system.next_periodic_review.isoformat() in text


def test_the_protocol_has_its_test_environment_and_prerequisites(make_user):
    erin = make_user("erin", Role.ENGINEER)
    protocol = write_protocol(make_system(erin), erin)
    validation.update_protocol(protocol, erin, system_version="9.1", scope="Whole system", requirements="Kept",
                               acceptance_criteria="All pass", test_environment="Validation tenant val-1, Firefox 128",
                               prerequisites="Testers trained on SOP-VAL-003")
    db.session.commit()
    text = docx_text(services.generate("validation_protocol", str(protocol.id), by=erin).data)
    assert "Test environment\nValidation tenant val-1, Firefox 128" in text
    assert "Prerequisites\nTesters trained on SOP-VAL-003" in text


def test_the_purchasing_information_covers_7_4_2_and_prints_the_signed_receipt(make_user):
    buyer = make_user("buyer", Role.PURCHASING, full_name="Bea Buyer")
    qa = make_user("quinn", Role.QA)
    supplier = Supplier(code="SUP-9", name="Grafana Labs", kind="commercial_vendor", status="approved")
    db.session.add(supplier)
    order = suppliers.PurchaseInput(
        product="Grafana Enterprise", product_version="11.2.0", reference="PO-77", specification="Monitoring",
        acceptance_criteria="Dashboards load", qms_requirements="Notify changes", licence="Commercial",
        quantity="25 named users", process_requirements="Releases through the vendor's change process",
        personnel_requirements="Support engineers trained on our tenant",
    )
    purchase = suppliers.create_purchase(supplier, order, by=buyer)
    suppliers.approve_purchase(purchase, signer=qa, password=PASSWORD)
    suppliers.mark_purchase_sent(purchase, by=buyer)
    suppliers.verify_receipt(purchase, ACCEPT, by=buyer, password=PASSWORD)
    db.session.commit()
    text = docx_text(services.generate("purchasing_information", str(purchase.id), by=buyer).data)
    for value in ("Order reference\nPO-77", "Quantity\n25 named users",
                  "Process requirements\nReleases through the vendor's change process",
                  "Qualification of the supplier's personnel\nSupport engineers trained on our tenant"):
        assert value in text
    assert "Bea Buyer (Verified, " in text and "checksum: sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae" in text


def test_a_supplier_extract_includes_its_evaluation_signatures_and_contacts(make_user):
    pat = make_user("pat", Role.PURCHASING)
    quinn = make_user("quinn", Role.QA, full_name="Quinn Quality")
    supplier = make_supplier(code="ABL", name="Able Ltd")
    suppliers.add_contact(supplier, name="Jo Contact", email="jo@able.example", role="Quality", by=pat)
    evaluation = scored(pat, supplier)
    evaluations.decide(evaluation, DecisionInput("approved", "Tracker", "", "Scores well"), signer=quinn,
                       password=PASSWORD)
    db.session.commit()
    text = docx_text(services.generate("audit_extract", f"supplier:{supplier.id}", by=pat).data)
    assert "the records that belong to it" in text
    assert "Jo Contact" in text  # a contact of the supplier
    assert evaluation.reference in text and "Evaluation decided" in text  # its evaluation
    assert "Signature: Approved: Evaluation" in text  # the signature of the decision
