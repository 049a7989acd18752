"""Evaluations through the ORM: links (expiry, revocation, re-send), supplier answers, scoring, overrides, decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.db import utcnow
from app.errors import Conflict, PermissionDenied, ValidationFailed
from app.extensions import db
from app.questionnaires import evaluations, services
from app.questionnaires.definitions import DecisionThreshold, Thresholds, dump_json
from app.questionnaires.evaluations import DecisionInput, LinkState
from app.questionnaires.models import Evaluation, EvaluationStatus
from app.signatures.services import SignatureRefused
from app.suppliers.models import SupplierStatus
from tests.helpers import PASSWORD
from tests.questionnaires.factories import (
    GOOD_EVALUATOR_ANSWERS,
    GOOD_SUPPLIER_ANSWERS,
    answered,
    commercial_template,
    make_supplier,
    pdf_upload,
    scored,
    sent,
    started,
    submitted,
)


@pytest.fixture
def pat(make_user):
    return make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")


@pytest.fixture
def quinn(make_user):
    return make_user("quinn", Role.QA, full_name="Quinn Quality")


def test_a_link_stores_only_the_hash_of_its_token_and_opens_the_evaluation(app, pat):
    evaluation, token = sent(pat)
    stored = evaluation.tokens[0]
    assert len(token) >= 43 and stored.token_hash == evaluations.token_hash(token) and token not in stored.token_hash
    lookup = evaluations.resolve_token(token)
    assert lookup.state is LinkState.OPEN and lookup.evaluation is evaluation
    assert evaluation.status == EvaluationStatus.SENT
    assert evaluations.resolve_token(token[:-1] + ("A" if token[-1] != "A" else "B")).state is LinkState.UNKNOWN


def test_a_link_expires_after_the_configured_days(app, pat):
    app.config["EVALUATION_TOKEN_DAYS"] = 30
    evaluation, token = sent(pat)
    assert evaluation.tokens[0].expires_at - evaluation.tokens[0].created_at == timedelta(days=30)
    evaluation.tokens[0].expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert evaluations.resolve_token(token).state is LinkState.EXPIRED


def test_resending_makes_a_new_link_and_kills_the_old_one(app, pat):
    evaluation, first = sent(pat)
    evaluations.save_supplier_answer(evaluation, "C2", "iso_27001")
    second = evaluations.send_link(evaluation, contact_name="Sam", contact_email="sam@acme.example", by=pat)
    assert first != second
    assert evaluations.resolve_token(first).state is LinkState.REVOKED
    assert evaluations.resolve_token(second).state is LinkState.OPEN
    assert evaluation.status == EvaluationStatus.IN_PROGRESS  # the draft answers survive a re-send
    assert evaluation.answers == {"C2": "iso_27001"}


def test_revoking_stops_the_link_and_is_audited(app, pat):
    evaluation, token = sent(pat)
    assert evaluations.revoke_links(evaluation, by=pat) == 1
    assert evaluations.resolve_token(token).state is LinkState.REVOKED
    with pytest.raises(Conflict, match="no open link"):
        evaluations.revoke_links(evaluation, by=pat)
    names = set(db.session.scalars(select(AuditEvent.name)))
    assert {"evaluation.link_sent", "evaluation.link_revoked"} <= names


def test_the_invitation_goes_to_the_outbox_with_the_link(app, pat):
    from app.notifications.models import OutboxMessage

    _evaluation, token = sent(pat)
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.to == "sam@acme.example"
    assert evaluations.portal_link(token) in message.body


def test_an_invalid_answer_is_kept_with_its_message_and_blocks_submit(app, pat):
    evaluation, token = sent(pat)
    evaluations.save_supplier_answer(evaluation, "C3", "12")
    checked = evaluations.save_supplier_answer(evaluation, "C3", "twelve")
    assert not checked.ok
    assert evaluation.answers["C3"] == "12"  # the last valid answer stays
    assert evaluation.invalid_answers["C3"] == {"raw": "twelve", "error": checked.error}
    problems = evaluations.supplier_problems(evaluation)
    assert problems["C3"] == checked.error
    with pytest.raises(ValidationFailed, match="still need attention"):
        evaluations.submit_answers(evaluation, evaluations.resolve_token(token).token)


def test_evaluator_questions_are_not_answerable_through_the_supplier_path(app, pat):
    evaluation, _token = sent(pat)
    with pytest.raises(Exception, match="no such question"):
        evaluations.save_supplier_answer(evaluation, "C6", "full")


def test_evidence_is_required_where_the_template_says_and_stored_with_its_hash(app, pat):
    evaluation, _token = sent(pat)
    evaluations.save_supplier_answer(evaluation, "C1", "iso_13485")
    assert evaluations.supplier_problems(evaluation)["C1"] == "Attach the evidence this question asks for"
    item = evaluations.add_evidence(evaluation, "C1", pdf_upload(), uploaded_by="Sam")
    assert "C1" not in evaluations.supplier_problems(evaluation)
    assert len(item.stored_file.sha256) == 64
    with pytest.raises(ValidationFailed):
        evaluations.add_evidence(evaluation, "C1", pdf_upload("evil.pdf", b"MZ\x90\x00"), uploaded_by="Sam")
    with pytest.raises(ValidationFailed, match="does not take files"):
        evaluations.add_evidence(evaluation, "C2", pdf_upload(), uploaded_by="Sam")


def test_submit_locks_the_answers_and_uses_the_link(app, pat):
    evaluation, token = submitted(pat)
    assert evaluation.status == EvaluationStatus.SUBMITTED and evaluation.submitted_at is not None
    assert evaluations.resolve_token(token).state is LinkState.SUBMITTED
    with pytest.raises(Conflict, match="locked"):
        evaluations.save_supplier_answer(evaluation, "C2", "none")


def test_scoring_needs_the_evaluator_answers_then_suggests_a_decision(app, pat):
    evaluation, _token = submitted(pat)
    with pytest.raises(ValidationFailed, match="C6, C8, C13a"):
        evaluations.score_evaluation(evaluation, by=pat)
    assert evaluations.save_evaluator_answers(evaluation, {"C6": "maybe"}, by=pat) == {"C6": "Choose one of the options"}
    evaluations.save_evaluator_answers(evaluation, GOOD_EVALUATOR_ANSWERS, by=pat)
    evaluations.score_evaluation(evaluation, by=pat)
    assert evaluation.status == EvaluationStatus.SCORED
    assert evaluation.percentage == 100.0 and evaluation.suggested_decision == "approved"
    assert [e["code"] for e in evaluation.score["breakdown"]][:2] == ["C1", "C1a"]


def test_an_override_changes_one_answers_points_with_a_reason_and_rescoring(app, pat):
    evaluation = scored(pat)
    with pytest.raises(ValidationFailed, match="reason"):
        evaluations.override_points(evaluation, "C7", 5, "  ", by=pat)
    evaluations.override_points(evaluation, "C7", 5, "Known bugs only on request in practice", by=pat)
    entry = next(e for e in evaluation.score["breakdown"] if e["code"] == "C7")
    assert entry["points"] == 5 and entry["overridden"] and entry["original_points"] == 10
    assert evaluation.percentage < 100
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.name == "evaluation.points_overridden")).one()
    assert event.reason == "Known bugs only on request in practice"


def test_a_knockout_rules_out_plain_approval_and_conditional_needs_a_justification(app, pat, quinn):
    evaluation = scored(pat, evaluator={**GOOD_EVALUATOR_ANSWERS, "C8": "unacceptable"})
    assert evaluation.knockout_hits == ["C8"] and evaluation.suggested_decision == "rejected"
    approve = DecisionInput("approved", "Hosting", "", "Fine")
    with pytest.raises(ValidationFailed, match="knock-out"):
        evaluations.decide(evaluation, approve, signer=quinn, password=PASSWORD)
    conditional = DecisionInput("conditionally_approved", "Hosting", "Patch by Q3", "Needed")
    with pytest.raises(ValidationFailed, match="Justify"):
        evaluations.decide(evaluation, conditional, signer=quinn, password=PASSWORD)


def test_qa_signs_approval_and_the_supplier_gets_status_scope_and_next_due(app, pat, quinn):
    supplier = make_supplier(criticality="major")
    evaluation = scored(pat, supplier)
    decision = DecisionInput("approved", "Document management SaaS", "", "Scores 100 %, no knock-out")
    signature = evaluations.decide(evaluation, decision, signer=quinn, password=PASSWORD, comment="ok")
    db.session.commit()

    assert evaluation.status == EvaluationStatus.DECIDED and evaluation.decided_by_id == quinn.id
    assert signature.meaning == "approved" and signature.entity_version == evaluation.version
    assert signature.content_hash == evaluations.content_hash_of(evaluation)
    assert supplier.status == SupplierStatus.APPROVED and supplier.approval_scope == "Document management SaaS"
    decided = evaluation.decided_at.date()
    assert supplier.next_reevaluation_due == decided.replace(year=decided.year + 2)  # major: 24 months
    assert evaluations.last_decided_evaluation_by_supplier([supplier.id]) == {
        supplier.id: (100.0, evaluation.decided_at)
    }


def test_a_wrong_password_decides_nothing(app, pat, quinn):
    evaluation = scored(pat)
    with pytest.raises(SignatureRefused):
        evaluations.decide(
            evaluation, DecisionInput("rejected", "", "", "No"), signer=quinn, password="wrong password!!"
        )
    assert evaluation.status == EvaluationStatus.SCORED and evaluation.decision == ""


def test_the_person_who_started_an_evaluation_cannot_decide_it(app, quinn):
    evaluation = scored(quinn)
    with pytest.raises(PermissionDenied):
        evaluations.decide(evaluation, DecisionInput("rejected", "", "", "No"), signer=quinn, password=PASSWORD)


def test_one_open_evaluation_per_supplier_and_cancel_needs_a_reason(app, pat):
    evaluation, token = sent(pat)
    with pytest.raises(Conflict, match="already has an open evaluation"):
        started(pat, evaluation.supplier)
    with pytest.raises(ValidationFailed, match="reason"):
        evaluations.cancel_evaluation(evaluation, reason="", by=pat)
    evaluations.cancel_evaluation(evaluation, reason="Supplier no longer considered", by=pat)
    assert evaluations.resolve_token(token).state is LinkState.REVOKED
    assert started(pat, evaluation.supplier).status == EvaluationStatus.DRAFT


def test_waiting_lists_group_open_evaluations_by_who_acts_next(app, pat):
    waiting_supplier, _ = sent(pat, make_supplier("A", "Alpha"))
    waiting_review, _ = submitted(pat, make_supplier("B", "Beta"))
    waiting_decision = scored(pat, make_supplier("C", "Gamma"))
    waiting = evaluations.evaluations_waiting()
    assert waiting == {"supplier": [waiting_supplier], "review": [waiting_review], "decision": [waiting_decision]}


def _scored_against(template, user, supplier) -> Evaluation:
    """An evaluation of the supplier on this template: good answers but 2-5 years in business (96.9 %)."""
    evaluation = evaluations.start_evaluation(supplier, template, evaluation_type="initial", due_date=None, by=user)
    token = evaluations.send_link(evaluation, contact_name="Sam", contact_email="sam@acme.example", by=user)
    answered(evaluation, {**GOOD_SUPPLIER_ANSWERS, "C3": "3"})
    lookup = evaluations.resolve_token(token)
    assert lookup.token is not None
    evaluations.submit_answers(evaluation, lookup.token)
    assert not evaluations.save_evaluator_answers(evaluation, GOOD_EVALUATOR_ANSWERS, by=user)
    evaluations.score_evaluation(evaluation, by=user)
    return evaluation


def test_an_evaluation_is_scored_against_its_templates_thresholds(app, pat, login_as):
    default = commercial_template()
    strict_defn = replace(
        default.parsed(), name="Strict vendor questionnaire",
        thresholds=Thresholds(major=DecisionThreshold(approved=98, conditional=90)),
    )
    strict = services.import_template(dump_json(strict_defn).encode(), "strict.json", by=pat)
    services.publish(strict, by=pat)

    usual = _scored_against(default, pat, make_supplier("USUAL", criticality="major"))
    assert (usual.percentage, usual.suggested_decision) == (96.9, "approved")
    assert usual.score["threshold"] == {"approved": 75, "conditional": 50}

    judged = _scored_against(strict, pat, make_supplier("STRICT", criticality="major"))
    assert (judged.percentage, judged.suggested_decision) == (96.9, "conditionally_approved")
    assert judged.score["threshold"] == {"approved": 98, "conditional": 90}
    db.session.commit()

    page = login_as(Role.QA).get(f"/questionnaires/evaluations/{judged.id}").get_data(as_text=True)
    assert "approved from 98 %, conditionally approved from 90 %" in page


def test_an_evaluator_only_questionnaire_offers_nothing_to_send(app, pat, login_as):
    """Its page offered "Send questionnaire", which then refused: the supplier would have had nothing to answer."""
    from app.questionnaires.definitions import AnsweredBy

    default = commercial_template().parsed()
    sections = tuple(replace(section, questions=tuple(q for q in section.questions if q.answered_by is AnsweredBy.EVALUATOR))
                     for section in default.sections)
    internal = replace(default, name="Internal review only", sections=tuple(s for s in sections if s.questions))
    template = services.import_template(dump_json(internal).encode(), "internal.json", by=pat)
    services.publish(template, by=pat)
    evaluation = evaluations.start_evaluation(make_supplier("INT"), template, evaluation_type="initial", due_date=None,
                                              by=pat)
    evaluation_id = evaluation.id
    db.session.commit()

    page = login_as(Role.PURCHASING).get(f"/questionnaires/evaluations/{evaluation_id}").get_data(as_text=True)

    assert "This questionnaire has no questions for the supplier" in page
    assert "Send questionnaire" not in page and "/send" not in page
