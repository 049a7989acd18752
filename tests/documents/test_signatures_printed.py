"""A signed record prints its signatures (21 CFR 11.50): the archived Word file, re-opened, shows each signer's
full name, the meaning, the date and time with the time zone, and what was signed (record and content hash)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.access import Role
from app.documents import services
from app.documents.models import GeneratedDocument
from app.extensions import db
from app.inventory import services as inventory
from app.questionnaires import evaluations
from app.questionnaires.evaluations import DecisionInput
from app.signatures.models import Signature
from app.signatures.services import sign
from app.suppliers import services as suppliers
from app.validation import services as validation
from tests.documents.docx_helpers import docx_text
from tests.helpers import PASSWORD, login, signing
from tests.inventory.factories import release_with, requirements
from tests.inventory.gated import make_ready_otss
from tests.questionnaires.factories import make_supplier, scored
from tests.suppliers.factories import make_supplier as make_approved_supplier
from tests.suppliers.test_purchases import ORDER
from tests.validation.factories import approved_protocol, execute_all, make_system

TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")


def assert_prints(data: bytes, signature: Signature, meaning: str) -> None:
    """The file shows the signer's full name, the meaning, the time (to the second, with its zone) and the hash."""
    text = docx_text(data)
    assert signature.printed_name in text
    assert meaning in text
    assert signature.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC") in text
    assert signature.content_hash in text
    assert "Not signed." not in text


def latest(doc_type: str) -> GeneratedDocument:
    return db.session.scalars(
        select(GeneratedDocument).where(GeneratedDocument.doc_type == doc_type).order_by(GeneratedDocument.id.desc())
    ).first()


def test_an_approved_supplier_list_signed_on_its_page_is_reissued_with_the_approval_printed(app, login_as, make_user):
    purchasing = login_as(Role.PURCHASING, username="pat")
    purchasing.post("/documents/generate",
                    data={"doc_type": "approved_supplier_list", "source_id": "current", "format": "record"})
    document = latest("approved_supplier_list")
    assert "Not signed." in docx_text(document.data) and document.signed_sha256 is None
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    qa = app.test_client()
    login(qa, "quinn")
    qa.post(f"/documents/{document.id}/approve", data={"meaning": "approved", **signing(qa)})
    db.session.expire_all()
    document = db.session.get(GeneratedDocument, document.id)
    signature = db.session.scalar(select(Signature).where(Signature.entity_type == "generated_document"))
    assert signature.printed_name == "Quinn Quality"

    signed = qa.get(f"/documents/{document.id}/signed")
    assert signed.status_code == 200
    assert signed.headers["Content-Disposition"].endswith(f"{document.number}-rev{document.revision}-signed.docx")
    assert_prints(signed.data, signature, "Approved")
    assert TIME.search(docx_text(signed.data))
    # The signature binds the approved file, which is kept unchanged; the signed copy names that file's hash.
    assert signature.content_hash in docx_text(signed.data) and document.sha256 in docx_text(signed.data)
    register = qa.get("/documents/").get_data(as_text=True)
    assert "Signed Word" in register and "Quinn Quality (Approved," in register
    assert "Download signed Word" in qa.get(f"/documents/{document.id}").get_data(as_text=True)


def test_a_document_without_a_signed_copy_has_none_to_download(login_as, make_user):
    document = services.generate("approved_supplier_list", "current", by=make_user("pat", Role.PURCHASING))
    db.session.commit()
    assert login_as(Role.AUDITOR).get(f"/documents/{document.id}/signed").status_code == 404


@pytest.fixture
def decided(make_user):
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    quinn = make_user("quinn", Role.QA, full_name="Quinn Quality")
    evaluation = scored(pat, make_supplier(code="ABL", name="A & B <Ltd>", criticality="major"))
    db.session.commit()
    services.generate("supplier_evaluation", str(evaluation.id), by=pat)  # the draft form, before the decision
    db.session.commit()
    evaluations.decide(evaluation, DecisionInput("approved", "Issue tracker SaaS", "", "Scores well"),
                       signer=quinn, password=PASSWORD, comment="ok")
    db.session.commit()
    return evaluation


def test_the_evaluation_decision_reissues_the_evaluation_record_with_the_signature(decided):
    signature = db.session.scalar(select(Signature).where(Signature.entity_type == "evaluation"))
    documents = db.session.scalars(select(GeneratedDocument).order_by(GeneratedDocument.revision)).all()
    assert [d.revision for d in documents] == [1, 2]
    assert documents[0].draft and not documents[1].draft
    assert_prints(documents[1].data, signature, "Approved")
    assert "Supplier evaluation of A & B <Ltd> (ABL)" in docx_text(documents[1].data)
    assert documents[1].created_by_name == "Quinn Quality" and "Quinn Quality (Approved," in documents[1].signed_by


def test_a_soup_list_freeze_prints_both_signatures(make_user):
    erin = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    quinn = make_user("quinn", Role.QA, full_name="Quinn Quality")
    release, _ = release_with("Pump", "1.0", {"requirements.txt": requirements("click==8.1.7")})
    make_ready_otss(release, erin)
    authored = sign(inventory.sign_target(release), erin, password=PASSWORD, meaning="authored")
    db.session.commit()
    approved = inventory.freeze_release(release, quinn, password=PASSWORD, comment="SOUP list approved")
    db.session.commit()
    data = services.generate("soup_list", str(release.id), by=erin).data
    assert_prints(data, authored, "Authored")
    assert_prints(data, approved, "Approved")
    assert "SOUP list of Pump 1.0" in docx_text(data)


def test_the_validation_report_prints_its_authored_and_approved_signatures(make_user):
    author, reviewer = make_user("erin", Role.ENGINEER), make_user("rob", Role.ENGINEER)
    qa, tester = make_user("quinn", Role.QA, full_name="Quinn Quality"), make_user("tess", Role.ENGINEER)
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    execute_all(protocol, tester)
    report = validation.complete_execution(protocol, tester)
    validation.save_report(report, tester, conclusion="fit", restrictions="", summary="All passed")
    validation.sign_report(report, tester, password=PASSWORD)
    db.session.commit()
    services.generate("validation_report", str(protocol.id), by=tester)
    db.session.commit()
    validation.approve_report(report, qa, password=PASSWORD, comment="Released")
    db.session.commit()
    signature = db.session.scalar(select(Signature).where(Signature.entity_type == "report",
                                                          Signature.meaning == "approved"))
    reissued = latest("validation_report")
    assert reissued.revision == 2 and not reissued.draft
    assert_prints(reissued.data, signature, "Approved")
    authored = db.session.scalar(select(Signature).where(Signature.entity_type == "report",
                                                         Signature.meaning == "authored"))
    assert_prints(reissued.data, authored, "Authored")  # the report carries its author's signature too
    protocol_text = docx_text(services.generate("validation_protocol", str(protocol.id), by=tester).data)
    for meaning in ("Authored", "Reviewed", "Approved"):
        assert meaning in protocol_text


def test_the_purchasing_information_prints_its_adequacy_review(make_user):
    buyer, qa = make_user("buyer", Role.PURCHASING), make_user("quinn", Role.QA, full_name="Quinn Quality")
    purchase = suppliers.create_purchase(make_approved_supplier(status="approved"), ORDER, by=buyer)
    suppliers.approve_purchase(purchase, signer=qa, password=PASSWORD)
    db.session.commit()
    signature = db.session.scalar(select(Signature).where(Signature.entity_type == "purchase_record"))
    data = services.generate("purchasing_information", str(purchase.id), by=None).data
    assert_prints(data, signature, "Approved")
