"""Supplier records in Word: the evaluation record, the approved supplier list, purchasing information."""

from __future__ import annotations

import pytest

from app.access import Role
from app.documents import services
from app.extensions import db
from app.questionnaires import evaluations
from app.questionnaires.evaluations import DecisionInput
from tests.documents.docx_helpers import docx_text
from tests.helpers import PASSWORD
from tests.questionnaires.factories import make_supplier, scored


@pytest.fixture
def decided(make_user):
    """An evaluation scored by purchasing and approved by QA through the real signature step."""
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    quinn = make_user("quinn", Role.QA, full_name="Quinn Quality")
    supplier = make_supplier(code="ABL", name="A & B <Ltd>", criticality="major")
    evaluation = scored(pat, supplier)
    evaluations.decide(evaluation, DecisionInput("approved", "Issue tracker SaaS", "", "Scores well"),
                       signer=quinn, password=PASSWORD, comment="ok")
    db.session.commit()
    return evaluation


def test_the_evaluation_record_prints_every_question_the_score_and_the_signed_decision(app, decided):
    document = services.generate("supplier_evaluation", str(decided.id), by=None)
    text = docx_text(document.data)
    assert "A & B <Ltd>" in text
    for question in decided.template.parsed().questions():
        assert question.text in text
    assert f"{decided.percentage}" in text
    assert "Approved" in text and "Quinn Quality" in text
    assert not document.draft and "DRAFT" not in text
    assert "{{" not in text and "{%" not in text


def test_an_undecided_evaluation_prints_a_draft_mark(app, make_user):
    pat = make_user("pat", Role.PURCHASING)
    evaluation = scored(pat, make_supplier())
    db.session.commit()
    document = services.generate("supplier_evaluation", str(evaluation.id), by=None)
    assert document.draft and "DRAFT" in docx_text(document.data)


def test_the_approved_supplier_list_snapshot_lists_approved_suppliers_with_their_score(app, decided):
    make_supplier(code="NOPE", name="Candidate Corp")
    db.session.commit()
    document = services.generate("approved_supplier_list", "current", by=None)
    text = docx_text(document.data)
    assert "A & B <Ltd>" in text and "Issue tracker SaaS" in text and f"{decided.percentage}" in text
    assert "Candidate Corp" not in text


def test_the_demo_data_prints_every_default_document_type(app):
    from sqlalchemy import select

    from app.demo import seed_all
    from app.inventory.models import Release
    from app.questionnaires.models import Evaluation
    from app.suppliers.models import PurchaseRecord
    from app.validation.models import Protocol

    seed_all()
    sources = {
        "supplier_evaluation": db.session.scalars(select(Evaluation.id)).first(),
        "approved_supplier_list": "current",
        "purchasing_information": db.session.scalars(select(PurchaseRecord.id)).first(),
        "soup_list": db.session.scalars(select(Release.id)).first(),
        "release_diff": db.session.scalars(select(Release.id)).first(),
        "validation_protocol": db.session.scalars(select(Protocol.id)).first(),
        "audit_extract": "range:2000-01-01:2100-01-01",
    }
    for doc_type, source_id in sources.items():
        assert source_id is not None, doc_type
        text = docx_text(services.generate(doc_type, str(source_id), by=None).data)
        assert "{{" not in text and "{%" not in text, doc_type
