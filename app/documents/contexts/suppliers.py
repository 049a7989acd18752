"""Contexts of the supplier evaluation record (source: evaluation id), the approved supplier list
(source: 'current', a snapshot) and the purchasing information (source: purchase record id)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db import utcnow
from app.documents.contexts.base import Source, SourceNotFound, signature_rows, text
from app.extensions import db
from app.questionnaires.definitions import AnswerType, QuestionDefinition
from app.questionnaires.evaluations import last_decided_evaluation_by_supplier
from app.questionnaires.models import AnswerProposal, Evaluation, EvaluationStatus, EvidenceFile
from app.signatures.models import Meaning
from app.suppliers.models import PurchaseRecord, Supplier, SupplierStatus


def _answer_text(question: QuestionDefinition, value: Any) -> str:
    """An answer as a reader sees it: option labels instead of stored values."""
    if value is None or value == "" or value == []:
        return ""
    labels = {option.value: option.label for option in question.options}
    if question.answer_type == AnswerType.YES_NO:
        labels = {"yes": "Yes", "no": "No", "na": "Not applicable", **labels}
    values = value if isinstance(value, list | tuple) else [value]
    return ", ".join(labels.get(str(item), "Not applicable" if str(item) == "na" else str(item)) for item in values)


def _number(value: Any) -> Any:
    return "" if value is None else value


def _has_question(definition: Any, code: str) -> bool:
    try:
        definition.question(code)
    except KeyError:
        return False
    return True


def supplier_evaluation(source_id: str) -> Source:
    """Every question with its answer, evidence and points, the breakdown, knock-outs and the decision."""
    evaluation = db.session.get(Evaluation, int(source_id)) if source_id.isdigit() else None
    if evaluation is None:
        raise SourceNotFound(f"There is no evaluation {source_id}.")
    definition = evaluation.template.parsed()
    score = evaluation.score or {}
    breakdown = {entry["code"]: entry for entry in score.get("breakdown", [])}
    evidence: dict[str, list[str]] = defaultdict(list)
    for item in db.session.scalars(
        select(EvidenceFile).where(EvidenceFile.evaluation_id == evaluation.id).options(selectinload(EvidenceFile.stored_file))
    ):
        evidence[item.question_code].append(item.stored_file.original_name)
    answers = {**(evaluation.answers or {}), **(evaluation.evaluator_answers or {})}
    hits = set(evaluation.knockout_hits or [])
    questions, sections = [], []
    for section in definition.sections:
        earned = possible = 0.0
        for question in section.questions:
            entry = breakdown.get(question.code, {})
            applicable = bool(entry) and entry.get("applicable", False)
            if applicable:
                earned += float(entry.get("weighted") or 0)
                possible += float(entry.get("weighted_max") or 0)
            questions.append(
                {
                    "section": section.title,
                    "code": question.code,
                    "text": question.text,
                    "answer": _answer_text(question, answers.get(question.code)),
                    "evidence_files": ", ".join(evidence.get(question.code, [])),
                    "points": _number(entry.get("points")) if applicable else None,
                    "max_points": _number(entry.get("max_points")) if applicable else None,
                    "weight": _number(entry.get("weight")) if applicable else None,
                    "knock_out": question.code in hits,
                }
            )
        if possible:
            sections.append(
                {"section": section.title, "points": round(earned, 1), "max_points": round(possible, 1),
                 "percentage": round(earned / possible * 100, 1)}
            )
    evidence_figures = [
        {"code": proposal.question_code, "figure": proposal.figure, "source": proposal.source,
         "measured": text(proposal.measured_at.date()) if proposal.measured_at else "",
         "proposed": _answer_text(definition.question(proposal.question_code), proposal.value),
         "answer": _answer_text(definition.question(proposal.question_code), proposal.answer) if proposal.answer else "",
         "state": proposal.state, "reason": proposal.reason}
        for proposal in db.session.scalars(select(AnswerProposal).where(AnswerProposal.evaluation_id == evaluation.id)
                                           .order_by(AnswerProposal.id))
        if _has_question(definition, proposal.question_code)
    ]
    supplier = evaluation.supplier
    variables = {
        "evidence_figures": evidence_figures,
        "supplier_name": supplier.name,
        "supplier_code": supplier.code,
        "supplier_kind": supplier.kind,
        "supplier_criticality": evaluation.criticality or supplier.criticality,
        "supplier_scope": supplier.scope,
        "evaluation_type": evaluation.evaluation_type,
        "template_name": evaluation.template.name,
        "template_version": str(evaluation.template.template_version),
        "questions": questions,
        "score_sections": sections,
        "score_points": _number(score.get("earned")),
        "score_max_points": _number(score.get("possible")),
        "score_percentage": _number(score.get("percentage")),
        "knock_out_hits": [
            {"code": q["code"], "text": q["text"], "answer": q["answer"]} for q in questions if q["knock_out"]
        ],
        "suggested_decision": evaluation.suggested_decision,
        "final_decision": evaluation.decision,
        "conditions": evaluation.conditions,
        "rationale": evaluation.rationale,
        "next_due": text(supplier.next_reevaluation_due) if evaluation.status == EvaluationStatus.DECIDED else "",
    }
    return Source(
        variables=variables, source_type="evaluation", source_id=str(evaluation.id), version=evaluation.version,
        approved=evaluation.status == EvaluationStatus.DECIDED, title="Supplier evaluation record",
        number_prefix="SER", signatures=signature_rows("evaluation", evaluation.id),
    )


ASL_STATUSES = (SupplierStatus.APPROVED, SupplierStatus.CONDITIONALLY_APPROVED)


def approved_supplier_list(source_id: str) -> Source:
    """A snapshot of the approved and conditionally approved suppliers (source id 'current')."""
    if source_id != "current":
        raise SourceNotFound("The approved supplier list is generated as a snapshot: use the source id 'current'.")
    suppliers = list(
        db.session.scalars(
            select(Supplier).where(Supplier.status.in_(ASL_STATUSES))
            .options(selectinload(Supplier.active_certificates), selectinload(Supplier.approved_by))
            .order_by(Supplier.name)
        )
    )
    last = last_decided_evaluation_by_supplier([supplier.id for supplier in suppliers])
    rows = []
    for supplier in suppliers:
        score, decided_at = last.get(supplier.id, (None, None))
        rows.append(
            {
                "supplier": supplier.name,
                "code": supplier.code,
                "scope": supplier.approval_scope or supplier.scope,
                "kind": supplier.kind,
                "criticality": supplier.criticality,
                "status": supplier.status,
                "last_score": "" if score is None else score,
                "last_evaluation_date": text(decided_at.date()) if decided_at else "",
                "conditions": supplier.conditions,
                "certificates": "; ".join(
                    f"{c.standard} (valid until {c.valid_until.isoformat()})" for c in supplier.active_certificates
                ),
                "next_due": text(supplier.next_reevaluation_due),
                "approver": supplier.approved_by.full_name if supplier.approved_by else "",
            }
        )
    today = utcnow().date()
    return Source(
        variables={"snapshot_date": today.isoformat(), "suppliers": rows},
        source_type="approved_supplier_list", source_id=f"current@{today.isoformat()}", version=len(rows),
        approved=True, title="Approved supplier list", number_prefix="ASL",
    )


def purchasing_information(source_id: str) -> Source:
    """The purchasing information of ISO 13485 7.4.2 with its signed adequacy review and the receipt check."""
    purchase = db.session.get(PurchaseRecord, int(source_id)) if source_id.isdigit() else None
    if purchase is None:
        raise SourceNotFound(f"There is no purchase record {source_id}.")
    signatures = signature_rows("purchase_record", purchase.id)
    adequacy = next((s for s in signatures if s["meaning"] in (Meaning.APPROVED, Meaning.REVIEWED)), None)
    checks = [
        label for label, done in (
            ("version checked", purchase.version_checked), ("checksum checked", purchase.checksum_checked),
            ("licence checked", purchase.licence_checked), ("installation checked", purchase.installation_checked),
        ) if done
    ]
    if purchase.validation_reference:
        checks.append(f"validation: {purchase.validation_reference}")
    verifications = []
    if purchase.verified_at is not None:
        verifications.append(
            {
                "date": text(purchase.verified_at.date()),
                "verified_by": purchase.verified_by.full_name if purchase.verified_by else "",
                "version_received": purchase.received_version,
                "supplier": purchase.supplier.name,
                "result": purchase.receipt_result,
                "notes": "; ".join([*checks, purchase.receipt_notes] if purchase.receipt_notes else checks),
            }
        )
    variables = {
        "supplier_name": purchase.supplier.name,
        "supplier_code": purchase.supplier.code,
        "product": purchase.product,
        "version": purchase.product_version,
        "specification": purchase.specification,
        "acceptance_criteria": purchase.acceptance_criteria,
        "qms_requirements": purchase.qms_requirements,
        "change_notification_agreed": purchase.change_notification_agreed,
        "licence": purchase.licence,
        "adequacy_review": adequacy,
        "receipt_verifications": verifications,
    }
    return Source(
        variables=variables, source_type="purchase_record", source_id=str(purchase.id), version=purchase.version,
        approved=adequacy is not None, title="Purchasing information", number_prefix="PI", signatures=signatures,
    )
