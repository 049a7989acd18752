"""Plain factories for evaluation tests: a supplier, the default templates, an evaluation in a given state."""

from __future__ import annotations

import io
from typing import Any

from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.questionnaires import evaluations, services
from app.questionnaires.models import Evaluation, QuestionnaireTemplate
from app.suppliers.models import Supplier, SupplierContact, SupplierStatus

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# Supplier answers to the default commercial questionnaire that score well (C1 ISO 13485 shows C1a/C1b).
GOOD_SUPPLIER_ANSWERS: dict[str, str] = {
    "C1": "iso_13485", "C1a": "QMS 123456, BSI", "C1b": "2028-06-30", "C12": "yes", "C2": "iso_27001",
    "C9": "yes", "C10": "within_30_days", "C3": "12", "C4": "more_than_3", "C5": "over_50m",
    "C7": "public", "C11": "before_release", "C13": "yes",
}
GOOD_EVALUATOR_ANSWERS: dict[str, str] = {"C6": "full", "C8": "none", "C13a": "no"}


def make_supplier(code: str = "ACME", name: str = "Acme Software", **fields: Any) -> Supplier:
    supplier = Supplier(
        code=code, name=name, kind=fields.pop("kind", "commercial_vendor"),
        status=fields.pop("status", SupplierStatus.CANDIDATE), criticality=fields.pop("criticality", "major"),
        **fields,
    )
    supplier.contacts.append(SupplierContact(name="Sam Supplier", email=f"sam@{code.lower()}.example", role="QA"))
    db.session.add(supplier)
    db.session.flush()
    return supplier


def commercial_template() -> QuestionnaireTemplate:
    return services.ensure_default_templates()[0]


def pdf_upload(name: str = "certificate.pdf", data: bytes = PDF) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/pdf")


def started(user: Any, supplier: Supplier | None = None) -> Evaluation:
    return evaluations.start_evaluation(
        supplier or make_supplier(), commercial_template(), evaluation_type="initial", due_date=None, by=user
    )


def sent(user: Any, supplier: Supplier | None = None) -> tuple[Evaluation, str]:
    evaluation = started(user, supplier)
    token = evaluations.send_link(evaluation, contact_name="Sam", contact_email="sam@acme.example", by=user)
    return evaluation, token


def answered(evaluation: Evaluation, answers: dict[str, str] | None = None) -> None:
    for code, raw in (answers or GOOD_SUPPLIER_ANSWERS).items():
        checked = evaluations.save_supplier_answer(evaluation, code, raw)
        assert checked.ok, (code, checked.error)
    evaluations.add_evidence(evaluation, "C1", pdf_upload(), uploaded_by="Sam")


def submitted(
    user: Any, supplier: Supplier | None = None, answers: dict[str, str] | None = None,
) -> tuple[Evaluation, str]:
    evaluation, token = sent(user, supplier)
    answered(evaluation, answers)
    lookup = evaluations.resolve_token(token)
    assert lookup.token is not None
    evaluations.submit_answers(evaluation, lookup.token)
    return evaluation, token


def scored(
    user: Any, supplier: Supplier | None = None, evaluator: dict[str, str] | None = None,
    answers: dict[str, str] | None = None,
) -> Evaluation:
    evaluation, _token = submitted(user, supplier, answers)
    assert not evaluations.save_evaluator_answers(evaluation, evaluator or GOOD_EVALUATOR_ANSWERS, by=user)
    evaluations.score_evaluation(evaluation, by=user)
    return evaluation
