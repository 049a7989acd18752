"""Evaluation tasks for My tasks: evaluations to review and score, supplier decisions to sign (never one the user
started). Counts in SQL, the first few with LIMIT."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import Flask, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.access import Permission
from app.extensions import db
from app.inbox.registry import Task, TaskGroup, add_sources
from app.questionnaires.models import Evaluation, EvaluationStatus
from app.suppliers.inbox import AREA, not_started_by


def _evaluations(key: str, label: str, condition: Any, limit: int, hint: str) -> TaskGroup:
    count = db.session.scalar(select(func.count(Evaluation.id)).where(condition)) or 0
    rows = list(db.session.scalars(
        select(Evaluation).where(condition).options(selectinload(Evaluation.supplier))
        .order_by(Evaluation.due_date.is_(None), Evaluation.due_date, Evaluation.id).limit(limit)
    )) if limit and count else []
    return TaskGroup(key, label, count, [
        Task(f"{evaluation.supplier.name} · {evaluation.reference}",
             url_for("questionnaires.evaluations_detail", evaluation_id=evaluation.id), hint, evaluation.due_date)
        for evaluation in rows], url_for("questionnaires.evaluations_list"), area=AREA)


def evaluation_tasks(user: Any, today: date, limit: int) -> Sequence[TaskGroup]:
    """Evaluations waiting for this user: to review and score, or (QA) to decide and sign."""
    groups = []
    if user.has(Permission.EVALUATIONS_REVIEW):
        groups.append(_evaluations("suppliers.review", "Evaluations to review and score",
                                   Evaluation.status == EvaluationStatus.SUBMITTED, limit,
                                   "the supplier submitted its answers"))
    if user.has(Permission.SUPPLIERS_DECIDE):
        groups.append(_evaluations(
            "suppliers.decide", "Supplier decisions to sign",
            (Evaluation.status == EvaluationStatus.SCORED) & not_started_by(Evaluation.created_by_id, user),
            limit, "scored; decide and sign"))
    return groups


def init_app(app: Flask) -> None:
    """Hand the evaluation tasks to My tasks."""
    add_sources(app, evaluation_tasks)
