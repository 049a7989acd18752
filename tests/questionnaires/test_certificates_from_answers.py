"""Certificates from answers: a question that asks for a certificate names its standard, number, expiry and file;
the signed decision enters it in the supplier's certificate register (once), and the supplier page shows the
decision signature."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.questionnaires import evaluations
from app.questionnaires.definitions import (
    AnswerType,
    CertificateMap,
    DefinitionError,
    QuestionDefinition,
    from_dict,
    to_dict,
    validate,
)
from app.questionnaires.evaluations import DecisionInput
from app.suppliers.models import Certificate
from tests.helpers import PASSWORD, login
from tests.questionnaires.factories import GOOD_SUPPLIER_ANSWERS, commercial_template, make_supplier, scored
from tests.questionnaires.strategies import choice, template_of

APPROVE = DecisionInput("approved", "Document management SaaS", "", "Scores well, no knock-out")


@pytest.fixture
def pat(make_user):
    return make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")


@pytest.fixture
def quinn(make_user):
    return make_user("quinn", Role.QA, full_name="Quinn Quality")


def certificates() -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


# --- the definition --------------------------------------------------------------------------------


def _with_certificate(mapping: CertificateMap, number_type: AnswerType = AnswerType.TEXT):
    asked = dataclasses.replace(choice("A1", 10, 5, 0), certificate=mapping)
    return template_of(
        asked,
        QuestionDefinition(code="A2", text="Number?", answer_type=number_type),
        QuestionDefinition(code="A3", text="Valid until?", answer_type=AnswerType.DATE),
    )


def test_the_default_commercial_questionnaire_maps_its_quality_certificate(app):
    mapping = commercial_template().parsed().question("C1").certificate
    assert mapping == CertificateMap(standards=(("iso_13485", "ISO 13485"), ("iso_9001", "ISO 9001")),
                                     valid_until="C1b", number="C1a")
    assert mapping.standard_for("none") == ""


def test_a_certificate_mapping_survives_export_and_import():
    defn = _with_certificate(CertificateMap((("a", "ISO 9001"),), valid_until="A3", number="A2"))
    assert from_dict(to_dict(defn)) == defn and validate(defn) == []


def test_a_certificate_mapping_names_existing_questions_of_the_right_type_and_the_questions_options():
    defn = _with_certificate(CertificateMap((("z", "ISO 9001"),), valid_until="A9", number="A2"), AnswerType.NUMBER)
    problems = {p.path: p.message for p in validate(defn)}
    at = "sections[0].questions[0].certificate"
    assert "not one of this question's option values" in problems[f"{at}.standards.z"]
    assert "No question has the code 'A9'" in problems[f"{at}.valid_until"]
    assert "must be a text question" in problems[f"{at}.number"]


def test_a_malformed_certificate_mapping_is_named_with_its_path():
    data = to_dict(_with_certificate(CertificateMap((("a", "ISO 9001"),), valid_until="A3")))
    data["sections"][0]["questions"][0]["certificate"]["standards"] = ["a"]
    with pytest.raises(DefinitionError) as caught:
        from_dict(data)
    assert caught.value.path == "sections[0].questions[0].certificate.standards"


# --- the signed decision ---------------------------------------------------------------------------


def test_a_signed_approval_enters_the_declared_certificate_with_its_file(app, pat, quinn):
    supplier = make_supplier()
    evaluation = scored(pat, supplier)
    evaluations.decide(evaluation, APPROVE, signer=quinn, password=PASSWORD)
    db.session.commit()
    [certificate] = certificates()
    assert (certificate.supplier_id, certificate.standard, certificate.number, certificate.valid_until) == (
        supplier.id, "ISO 13485", "QMS 123456, BSI", date(2028, 6, 30))
    attached = evaluation.evidence[-1]
    assert attached.question_code == "C1" and certificate.evidence_file_id == attached.stored_file_id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.name == "certificate.recorded_from_evaluation"))
    assert event is not None and event.entity_id == str(certificate.id)
    assert event.details["source"] == f"{evaluation.reference} C1"


def test_a_certificate_already_in_the_register_is_not_entered_twice(app, pat, quinn):
    supplier = make_supplier()
    db.session.add(Certificate(supplier=supplier, standard="ISO 13485", number="qms 123456,  BSI",
                               valid_until=date(2027, 1, 1)))
    evaluation = scored(pat, supplier)
    evaluations.decide(evaluation, APPROVE, signer=quinn, password=PASSWORD)
    assert len(certificates()) == 1
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.name == "certificate.recorded_from_evaluation")) is None


def test_a_voided_certificate_does_not_count_as_held(app, pat, quinn):
    supplier = make_supplier()
    db.session.add(Certificate(supplier=supplier, standard="ISO 13485", number="QMS 123456, BSI",
                               valid_until=date(2027, 1, 1), void_reason="Withdrawn", voided_at=date(2026, 1, 1)))
    evaluation = scored(pat, supplier)
    evaluations.decide(evaluation, APPROVE, signer=quinn, password=PASSWORD)
    assert [c.is_voided for c in certificates()] == [True, False]


def test_no_certificate_is_entered_for_a_rejection_or_an_answer_naming_none(app, pat, quinn):
    evaluation = scored(pat, make_supplier("REJ", "Rejected Ltd"))
    evaluations.decide(evaluation, DecisionInput("rejected", "", "", "No"), signer=quinn, password=PASSWORD)
    assert certificates() == []
    answers = {k: v for k, v in GOOD_SUPPLIER_ANSWERS.items() if k not in ("C1a", "C1b")} | {"C1": "none"}
    evaluation = scored(pat, make_supplier("NONE", "No certificate Ltd"), answers=answers)
    evaluations.decide(evaluation, DecisionInput("conditionally_approved", "Hosting", "Certify by 2027", "Small"),
                       signer=quinn, password=PASSWORD)
    assert certificates() == []


# --- the supplier page -----------------------------------------------------------------------------


def test_the_supplier_page_shows_the_decision_signature_and_the_certificate(app, pat, quinn):
    supplier = make_supplier()
    evaluation = scored(pat, supplier)
    evaluations.decide(evaluation, APPROVE, signer=quinn, password=PASSWORD, comment="Approved at the review")
    db.session.commit()
    client = app.test_client()
    login(client, "pat")
    page = client.get(f"/suppliers/{supplier.id}").get_data(as_text=True)
    decision = page[page.index("Decision signature"):]
    assert "Quinn Quality" in decision and "Approved at the review" in decision and evaluation.reference in decision
    assert "Not signed yet" not in page
    assert "QMS 123456, BSI" in page and "ISO 13485" in page and "Certificates (0)" not in page
