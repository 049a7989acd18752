"""Object-level permission predicates for templates and evaluations (views and services both call them)."""

from __future__ import annotations

from typing import Any

from app.access import Permission
from app.questionnaires.models import Evaluation, EvaluationStatus, QuestionnaireTemplate, TemplateStatus
from app.questionnaires.workflow import OPEN_STATES, SUPPLIER_EDITABLE


def can_edit_template(user: Any, template: QuestionnaireTemplate) -> bool:
    """Only a draft can change, and only by someone who may edit questionnaires."""
    return user.has(Permission.QUESTIONNAIRES_EDIT) and template.status == TemplateStatus.DRAFT


def can_manage_evaluation(user: Any, evaluation: Evaluation) -> bool:
    """Sending, re-sending, revoking and cancelling need the manage permission and an open evaluation."""
    return user.has(Permission.EVALUATIONS_MANAGE) and evaluation.status in OPEN_STATES


def can_review(user: Any, evaluation: Evaluation) -> bool:
    """Evaluator answers, scoring and overrides: the review permission, before the decision."""
    return user.has(Permission.EVALUATIONS_REVIEW) and evaluation.status in OPEN_STATES


def can_decide(user: Any, evaluation: Evaluation) -> bool:
    """QA decides a scored evaluation, and not one they started themselves (separation of duties)."""
    return (
        user.has(Permission.SUPPLIERS_DECIDE)
        and evaluation.status == EvaluationStatus.SCORED
        and evaluation.created_by_id != user.id
    )


def supplier_may_edit(status: str) -> bool:
    """The supplier may change answers while the evaluation (of this status) is sent or in progress (before submit)."""
    return status in SUPPLIER_EDITABLE
