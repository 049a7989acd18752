"""Contexts of the supplier evaluation record (source: evaluation id), the approved supplier list
(source: 'current', a snapshot) and the purchasing information (source: purchase record id)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.db import utcnow
from app.documents.contexts.base import (
    Source,
    SourceNotFound,
    checked_rows,
    record_signatures,
    signature_rows,
    source_record,
    text,
)
from app.extensions import db
from app.labels import label
from app.questionnaires import evaluations
from app.questionnaires.definitions import AnswerType, QuestionDefinition
from app.questionnaires.evaluations import last_decided_evaluation_by_supplier
from app.questionnaires.models import AnswerProposal, Evaluation, EvaluationStatus, EvidenceFile, ProposalState
from app.signatures.models import Meaning, Signature
from app.suppliers.models import PurchaseRecord, Supplier, SupplierStatus
from app.suppliers.rules import not_renewed
from app.suppliers.services import purchases

# What the evaluator made of an answer proposed from evidence, in the words of the evaluation page.
PROPOSAL_STATES: dict[str, str] = {
    ProposalState.PROPOSED: "Not decided yet",
    ProposalState.ACCEPTED: "Proposed answer accepted",
    ProposalState.OVERRIDDEN: "Proposed answer overridden",
}


def _answer_text(question: QuestionDefinition, value: Any) -> str:
    """An answer as a reader sees it: option labels instead of stored values."""
    if value is None or value == "" or value == []:
        return ""
    labels = {option.value: option.label for option in question.options}
    if question.answer_type == AnswerType.YES_NO:
        labels = {"yes": "Yes", "no": "No", "na": "Not applicable", **labels}
    values = value if isinstance(value, list | tuple) else [value]
    return ", ".join(labels.get(str(item), "Not applicable" if str(item) == "na" else str(item)) for item in values)


def _ordinal(model: Any, record: Any) -> int:
    """The record's place among its supplier's records of that kind (1 for the first)."""
    return int(db.session.scalar(
        select(func.count(model.id)).where(model.supplier_id == record.supplier_id, model.id <= record.id)
    ) or 1)


def _number(value: Any) -> Any:
    return "" if value is None else value


def _has_question(definition: Any, code: str) -> bool:
    try:
        definition.question(code)
    except KeyError:
        return False
    return True


def supplier_evaluation(source_id: str) -> Source:
    """Every question with its answer, evidence and points, the breakdown, knock-outs and the decision; prepared by
    its evaluator."""
    evaluation = source_record(Evaluation, source_id, "evaluation")
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
         "state": PROPOSAL_STATES.get(proposal.state, label(proposal.state)), "reason": proposal.reason}
        for proposal in db.session.scalars(select(AnswerProposal).where(AnswerProposal.evaluation_id == evaluation.id)
                                           .order_by(AnswerProposal.id))
        if _has_question(definition, proposal.question_code)
    ]
    supplier = evaluation.supplier
    threshold = score.get("threshold") or {}
    contact = evaluation.contact_name
    if evaluation.contact_email:
        contact = f"{contact} <{evaluation.contact_email}>" if contact else evaluation.contact_email
    variables = {
        "evidence_figures": evidence_figures,
        "supplier_name": supplier.name,
        "supplier_code": supplier.code,
        "supplier_kind": label(supplier.kind),
        "supplier_criticality": label(evaluation.criticality or supplier.criticality),
        "supplier_scope": supplier.scope,
        "supplier_contact": contact,
        "evaluation_reference": evaluation.reference,
        "evaluation_type": label(evaluation.evaluation_type),
        "evaluator": evaluation.created_by.full_name if evaluation.created_by else "",
        "started_on": text(evaluation.created_at.date()) if evaluation.created_at else "",
        "sent_on": text(evaluation.sent_at.date()) if evaluation.sent_at else "",
        "due_on": text(evaluation.due_date),
        "submitted_on": text(evaluation.submitted_at.date()) if evaluation.submitted_at else "",
        "decided_on": text(evaluation.decided_at.date()) if evaluation.decided_at else "",
        "decided_by": evaluation.decided_by.full_name if evaluation.decided_by else "",
        "threshold_approved": _number(threshold.get("approved")),
        "threshold_conditional": _number(threshold.get("conditional")),
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
        "suggested_decision": label(evaluation.suggested_decision),
        "final_decision": label(evaluation.decision),
        "approval_scope": evaluation.approval_scope,
        "conditions": evaluation.conditions,
        "rationale": evaluation.rationale,
        "knock_out_justification": evaluation.knockout_justification,
        "next_due": text(supplier.next_reevaluation_due) if evaluation.status == EvaluationStatus.DECIDED else "",
    }
    return Source(
        variables=variables, source_type="evaluation", source_id=str(evaluation.id), version=evaluation.version,
        approved=evaluation.status == EvaluationStatus.DECIDED, title="Supplier evaluation record",
        number_prefix="SER", number_key=f"{supplier.code}-{_ordinal(Evaluation, evaluation):02d}",
        signatures=signature_rows("evaluation", evaluation.id, record=f"Supplier evaluation of {supplier.name} ({supplier.code})",
                                  target=lambda: evaluations.sign_target(evaluation)),
        # The evaluator who started it prepared it (the record's author, not a signature), as the "Evaluator" field
        # says: never the person or process that generated the document.
        author=(evaluation.created_by.full_name, evaluation.created_at.strftime("%Y-%m-%d"))
        if evaluation.created_by is not None else None,
    )


ASL_STATUSES = (SupplierStatus.APPROVED, SupplierStatus.CONDITIONALLY_APPROVED)
BLOCKED_STATUSES = (SupplierStatus.SUSPENDED, SupplierStatus.DISQUALIFIED, SupplierStatus.REJECTED)


def certificates_text(certificates: list[Any], today: date) -> str:
    """Certificates in force with their expiry; an expired one is flagged, never shown as valid."""
    return "; ".join(
        f"{c.standard} (EXPIRED {c.valid_until.isoformat()})" if c.valid_until < today
        else f"{c.standard} (valid until {c.valid_until.isoformat()})"
        for c in certificates
    )


def _blocked_rows() -> list[dict[str, Any]]:
    """Suspended, disqualified and rejected suppliers, with the latest signed status decision (date, reason)."""
    suppliers = list(db.session.scalars(
        select(Supplier).where(Supplier.status.in_(BLOCKED_STATUSES)).order_by(Supplier.name)
    ))
    decisions: dict[str, Signature] = {}
    if suppliers:
        for signature in db.session.scalars(
            select(Signature).where(Signature.entity_type == "supplier",
                                    Signature.entity_id.in_([str(s.id) for s in suppliers]))
            .order_by(Signature.signed_at, Signature.id)
        ):
            decisions[signature.entity_id] = signature
    rejected = last_rejections([s.id for s in suppliers if s.status == SupplierStatus.REJECTED])
    rows = []
    for supplier in suppliers:
        decision = decisions.get(str(supplier.id))
        since, reason = "", ""
        if supplier.status == SupplierStatus.REJECTED and supplier.id in rejected:
            decided_at, reason = rejected[supplier.id]
            since = text(decided_at.date()) if decided_at else ""
        elif decision is not None:
            since, reason = text(decision.signed_at.date()), decision.comment
        rows.append({"supplier": supplier.name, "code": supplier.code, "scope": supplier.scope,
                     "status": label(supplier.status), "since": since, "reason": reason})
    return rows


def last_rejections(supplier_ids: list[int]) -> dict[int, tuple[Any, str]]:
    """The decision time and rationale of each supplier's latest rejected evaluation."""
    if not supplier_ids:
        return {}
    found: dict[int, tuple[Any, str]] = {}
    for evaluation in db.session.scalars(
        select(Evaluation).where(Evaluation.supplier_id.in_(supplier_ids), Evaluation.decision == "rejected")
        .order_by(Evaluation.decided_at)
    ):
        found[evaluation.supplier_id] = (evaluation.decided_at, evaluation.rationale)
    return found


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
    today = utcnow().date()
    rows = []
    for supplier in suppliers:
        score, decided_at = last.get(supplier.id, (None, None))
        rows.append(
            {
                "supplier": supplier.name,
                "code": supplier.code,
                "scope": supplier.approval_scope or supplier.scope,
                "kind": label(supplier.kind),
                "criticality": label(supplier.criticality),
                "status": label(supplier.status),
                "last_score": "" if score is None else score,
                "last_evaluation_date": text(decided_at.date()) if decided_at else "",
                "conditions": supplier.conditions,
                "certificates": certificates_text(not_renewed(supplier.active_certificates, today), today),
                "next_due": text(supplier.next_reevaluation_due),
                "approver": supplier.approved_by.full_name if supplier.approved_by else "",
            }
        )
    return Source(
        variables={"snapshot_date": today.isoformat(), "suppliers": rows, "blocked_suppliers": _blocked_rows()},
        source_type="approved_supplier_list", source_id=f"current@{today.year}", version=len(rows),
        approved=True, title="Approved supplier list", number_prefix="ASL", volatile=frozenset({"snapshot_date"}),
    )


def purchasing_information(source_id: str) -> Source:
    """The purchasing information of ISO 13485 7.4.2 with its signed adequacy review and the receipt check."""
    purchase = source_record(PurchaseRecord, source_id, "purchase record")
    record = f"Purchasing information {purchase.reference or purchase.product} from {purchase.supplier.name}"
    signed = record_signatures("purchase_record", purchase.id)
    signatures = checked_rows(purchases.purchase_sign_target(purchase) if signed else None, signed, record)
    adequacy = next(
        (row for signature, row in zip(signed, signatures, strict=True)
         if signature.meaning in (Meaning.APPROVED, Meaning.REVIEWED)),
        None,
    )
    checks = [
        check for check, done in (
            ("version checked", purchase.version_checked), ("checksum checked", purchase.checksum_checked),
            ("licence checked", purchase.licence_checked), ("installation checked", purchase.installation_checked),
        ) if done
    ]
    if purchase.checksum:
        checks.append(f"checksum: {purchase.checksum}")
    if purchase.validation_reference:
        checks.append(f"validation: {purchase.validation_reference}")
    receipt_record = f"Receipt verification of {purchase.reference or purchase.product} from {purchase.supplier.name}"
    received = record_signatures(purchases.RECEIPT_ENTITY, purchase.id)
    receipt_signatures = checked_rows(purchases.receipt_sign_target(purchase) if received else None, received,
                                      receipt_record)
    signatures += receipt_signatures
    verifications = []
    if purchase.verified_at is not None:
        receipt = receipt_signatures[-1] if receipt_signatures else None
        verifications.append(
            {
                "date": text(purchase.verified_at.date()),
                "verified_by": purchase.verified_by.full_name if purchase.verified_by else "",
                "version_received": purchase.received_version,
                "supplier": purchase.supplier.name,
                "result": label(purchase.receipt_result),
                "notes": "; ".join([*checks, purchase.receipt_notes] if purchase.receipt_notes else checks),
                "signature": (f"{receipt['printed_name']} ({receipt['meaning']}, {receipt['signed_at']})"
                              + (f". {receipt['content_note']}" if receipt["content_note"] else "")
                              if receipt else "Not signed (verified before receipts were signed)"),
            }
        )
    variables = {
        "supplier_name": purchase.supplier.name,
        "supplier_code": purchase.supplier.code,
        "order_reference": purchase.reference,
        "product": purchase.product,
        "version": purchase.product_version,
        "quantity": purchase.quantity,
        "specification": purchase.specification,
        "process_requirements": purchase.process_requirements,
        "personnel_requirements": purchase.personnel_requirements,
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
        author=(purchase.created_by.full_name, purchase.created_at.strftime("%Y-%m-%d")) if purchase.created_by else None,
        number_key=purchase.reference or f"{purchase.supplier.code}-{_ordinal(PurchaseRecord, purchase):02d}",
    )
