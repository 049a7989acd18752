"""Reminder rules of the supplier domain (registered in app.notifications.reminders.REMINDER_RULES)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, url_for

from app.auth.permissions import Permission
from app.notifications.reminders import Reminder
from app.notifications.services import users_with
from app.suppliers import services


def _link(endpoint: str, **values: Any) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    with current_app.test_request_context("/"):
        return base + url_for(endpoint, **values)


def reevaluations_due(day: date) -> list[Reminder]:
    """Approved suppliers whose re-evaluation is overdue or due within the window: to purchasing and QA."""
    recipients = users_with(Permission.EVALUATIONS_MANAGE)
    reminders = []
    for supplier in services.reevaluations_due(on=day):
        due = supplier.next_reevaluation_due
        state = "is overdue since" if due and due < day else "is due on"
        reminders.append(Reminder(
            key=f"supplier-reevaluation:{supplier.id}:{due}",
            recipients=recipients,
            subject=f"Re-evaluation {'overdue' if due and due < day else 'due'}: {supplier.name}",
            body=(f"The re-evaluation of {supplier.name} ({supplier.code}, {supplier.criticality}) {state} {due}.\n\n"
                  f"{_link('suppliers.detail', supplier_id=supplier.id)}\n"),
        ))
    return reminders


def certificates_expiring(day: date) -> list[Reminder]:
    """Certificates of current suppliers that expired or expire within the warning window: to the register keepers."""
    recipients = users_with(Permission.SUPPLIERS_EDIT)
    reminders = []
    for certificate in services.certificates_expiring(on=day):
        supplier = certificate.supplier
        expired = certificate.valid_until < day
        reminders.append(Reminder(
            key=f"certificate-expiry:{certificate.id}:{certificate.valid_until}",
            recipients=recipients,
            subject=f"Certificate {'expired' if expired else 'expiring'}: {supplier.name} {certificate.standard}",
            body=(f"{supplier.name}'s {certificate.standard} certificate {certificate.number} "
                  f"{'expired on' if expired else 'expires on'} {certificate.valid_until}. Ask for the renewed "
                  f"certificate and record it.\n\n{_link('suppliers.detail', supplier_id=supplier.id, _anchor='certificates')}\n"),
        ))
    return reminders


WAITING_FOR = {
    "supplier": ("waiting for the supplier's answers", Permission.EVALUATIONS_MANAGE),
    "review": ("submitted and waiting for review", Permission.EVALUATIONS_REVIEW),
    "decision": ("scored and waiting for QA's decision", Permission.SUPPLIERS_DECIDE),
}


def evaluations_waiting(day: date) -> list[Reminder]:
    """Open evaluations, to whoever must act next (questionnaires domain provides the query)."""
    try:
        from app.questionnaires.services import evaluations_waiting as waiting_query
    except ImportError:
        return []
    reminders = []
    for stage, evaluations in waiting_query().items():
        text, permission = WAITING_FOR.get(stage, (stage, Permission.EVALUATIONS_MANAGE))
        recipients = users_with(permission)
        for evaluation in evaluations:
            supplier = evaluation.supplier
            reminders.append(Reminder(
                key=f"evaluation-waiting:{evaluation.id}:{stage}",
                recipients=recipients,
                subject=f"Evaluation {text}: {supplier.name}",
                body=(f"The evaluation {getattr(evaluation, 'reference', evaluation.id)} of {supplier.name} is {text}.\n\n"
                      f"{_link('suppliers.detail', supplier_id=supplier.id, _anchor='evaluations')}\n"),
            ))
    return reminders
