"""Reminder rule of the questionnaires domain: open evaluations, to whoever must act next."""

from __future__ import annotations

from datetime import date

from flask import Flask

from app.access import Permission
from app.notifications.reminders import Reminder, add_rules
from app.notifications.services import users_with
from app.questionnaires.evaluations import evaluations_waiting as waiting_by_stage
from app.suppliers.reminders import about_supplier

WAITING_FOR = {
    "supplier": ("waiting for the supplier's answers", Permission.EVALUATIONS_MANAGE),
    "review": ("submitted and waiting for review", Permission.EVALUATIONS_REVIEW),
    "decision": ("scored and waiting for QA's decision", Permission.SUPPLIERS_DECIDE),
}


def init_app(app: Flask) -> None:
    """Hand this rule to the outbox's reminder run."""
    add_rules(app, evaluations_waiting)


def evaluations_waiting(day: date) -> list[Reminder]:
    """Open evaluations, to whoever must act next: the supplier (answers), a reviewer (scoring) or QA (decision)."""
    reminders = []
    for stage, evaluations in waiting_by_stage().items():
        text, permission = WAITING_FOR.get(stage, (stage, Permission.EVALUATIONS_MANAGE))
        recipients = users_with(permission)
        for evaluation in evaluations:
            supplier = evaluation.supplier
            reminders.append(about_supplier(
                supplier, f"evaluation-waiting:{evaluation.id}:{stage}", recipients,
                f"Evaluation {text}: {supplier.name}",
                f"The evaluation {evaluation.reference} of {supplier.name} is {text}.",
                anchor="evaluations",
            ))
    return reminders
