"""Answers are one row per question: a save writes (and locks) only its own question's row, so saves of different
questions never conflict; saves of one question follow each other, the last one wins and the audit trail has each
with the value it replaced; submit locks the supplier's rows; the staff form keeps its optimistic lock."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditAction, AuditEvent
from app.errors import Conflict
from app.extensions import db
from app.questionnaires import evaluations
from app.questionnaires.models import Evaluation, EvaluationAnswer, EvaluationStatus
from tests.questionnaires.factories import GOOD_EVALUATOR_ANSWERS, answered, sent, submitted


@pytest.fixture
def pat(make_user):
    return make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")


def rows_of(evaluation: Evaluation) -> dict[str, EvaluationAnswer]:
    return {row.question_code: row for row in db.session.scalars(
        select(EvaluationAnswer).where(EvaluationAnswer.evaluation_id == evaluation.id))}


def answer_events(evaluation: Evaluation) -> list[AuditEvent]:
    """The evaluation's update events that change an answer, oldest first."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "evaluation", AuditEvent.entity_id == str(evaluation.id),
        AuditEvent.action == AuditAction.UPDATE).order_by(AuditEvent.id))
    return [event for event in events if any("answers." in key for key in event.changes)]


def test_each_question_is_its_own_row_and_a_save_leaves_the_others_and_the_evaluation_row_alone(app, pat):
    evaluation, _token = sent(pat)
    evaluations.save_supplier_answer(evaluation, "C3", "12")
    version = evaluation.version  # moved once: sent -> in progress
    evaluations.save_supplier_answer(evaluation, "C2", "iso_27001")
    evaluations.save_supplier_answer(evaluation, "C3", "twelve")  # refused: kept with its message
    rows = rows_of(evaluation)
    assert (rows["C3"].value, rows["C3"].refused["raw"], rows["C2"].value) == ("12", "twelve", "iso_27001")
    assert rows["C3"].answered_by == "supplier" and not rows["C3"].locked
    assert evaluation.version == version and evaluation.status == EvaluationStatus.IN_PROGRESS
    assert evaluation.answers == {"C2": "iso_27001", "C3": "12"} and set(evaluation.invalid_answers) == {"C3"}


def test_the_first_save_records_the_status_change_and_the_answer_in_one_event_then_each_change_of_value(app, pat):
    evaluation, _token = sent(pat)
    for value in ("3", "4", "4", "5"):
        evaluations.save_supplier_answer(evaluation, "C3", value)
    events = answer_events(evaluation)
    assert events[0].changes == {"status": {"old": "sent", "new": "in_progress"}, "answers.C3": {"old": None, "new": "3"}}
    assert [event.changes for event in events[1:]] == [
        {"answers.C3": {"old": "3", "new": "4"}}, {"answers.C3": {"old": "4", "new": "5"}}]  # the same value: no event


def test_a_save_that_arrives_after_the_submit_is_refused_by_the_locked_row(app, pat):
    evaluation, token = submitted(pat)
    assert all(row.locked for row in rows_of(evaluation).values() if row.answered_by == "supplier")
    # A save that read the evaluation before the submit committed: its own copy still says "in progress".
    stale = db.session.get(Evaluation, evaluation.id)
    stale.status = EvaluationStatus.IN_PROGRESS
    db.session.flush()
    db.session.execute(db.update(Evaluation).where(Evaluation.id == evaluation.id).values(status="submitted"))
    with pytest.raises(Conflict, match="already submitted"):
        evaluations.save_supplier_answer(stale, "C3", "99")
    assert rows_of(evaluation)["C3"].value == "12"
    assert token


def test_a_submit_locks_a_row_for_every_supplier_question_even_unanswered_ones(app, pat):
    evaluation, _token = submitted(pat)
    rows = rows_of(evaluation)
    supplier_codes = {q.code for q in evaluation.template.parsed().questions() if q.answered_by.value == "supplier"}
    assert {code for code, row in rows.items() if row.answered_by == "supplier"} == supplier_codes
    assert all(rows[code].locked for code in supplier_codes)


def test_evaluator_answers_take_the_evaluations_lock_and_a_stale_staff_form_gets_409(app, pat, login_as):
    evaluation, _token = submitted(pat)
    db.session.commit()
    loaded = evaluation.version
    client = login_as(Role.QA, username="quinn")
    first = client.post(f"/questionnaires/evaluations/{evaluation.id}/evaluator-answers",
                        data={"version": loaded, **{f"answer-{code}": value for code, value in GOOD_EVALUATOR_ANSWERS.items()}})
    assert first.status_code == 302
    db.session.expire_all()
    assert evaluation.version == loaded + 1 and evaluation.evaluator_answers == GOOD_EVALUATOR_ANSWERS
    stale = client.post(f"/questionnaires/evaluations/{evaluation.id}/evaluator-answers",
                        data={"version": loaded, "answer-C6": "partial"})
    assert stale.status_code == 409
    db.session.expire_all()
    assert evaluation.evaluator_answers["C6"] == "full"
    event = answer_events(evaluation)[-1]
    assert event.changes["evaluator_answers.C6"] == {"old": None, "new": "full"}


def test_a_file_question_answers_with_its_evidence_and_a_removal_clears_it(app, pat):
    evaluation, _token = sent(pat)
    answered(evaluation)
    rows = rows_of(evaluation)
    assert "C1" in rows and rows["C1"].value == "iso_13485"  # C1 is a choice; its evidence does not change it
    assert evaluations.supplier_problems(evaluation) == {}
