"""Reminder rules of the supplier register: re-evaluations due, certificates expiring."""

from __future__ import annotations

from datetime import date

from flask import Flask

from app.access import Permission
from app.notifications.reminders import Reminder, absolute_url, add_rules
from app.notifications.services import users_with
from app.suppliers import services
from app.suppliers.models import Supplier


def init_app(app: Flask) -> None:
    """Hand these rules to the outbox's reminder run."""
    add_rules(app, reevaluations_due, certificates_expiring)


def about_supplier(supplier: Supplier, key: str, recipients: list[str], subject: str, text: str,
                   anchor: str | None = None) -> Reminder:
    """A reminder about one supplier: its text, then the link to the supplier's page (at `anchor`)."""
    link = absolute_url("suppliers.detail", supplier_id=supplier.id, _anchor=anchor)
    return Reminder(key=key, recipients=recipients, subject=subject, body=f"{text}\n\n{link}\n")


def reevaluations_due(day: date) -> list[Reminder]:
    """Approved suppliers whose re-evaluation is overdue or due within the window: to purchasing and QA."""
    recipients = users_with(Permission.EVALUATIONS_MANAGE)
    reminders = []
    for supplier in services.reevaluations_due(on=day):
        due = supplier.next_reevaluation_due
        state = "is overdue since" if due and due < day else "is due on"
        reminders.append(about_supplier(
            supplier, f"supplier-reevaluation:{supplier.id}:{due}", recipients,
            f"Re-evaluation {'overdue' if due and due < day else 'due'}: {supplier.name}",
            f"The re-evaluation of {supplier.name} ({supplier.code}, {supplier.criticality}) {state} {due}.",
        ))
    return reminders


def certificates_expiring(day: date) -> list[Reminder]:
    """Certificates of current suppliers that expired or expire within the warning window: to the register keepers."""
    recipients = users_with(Permission.SUPPLIERS_EDIT)
    reminders = []
    for certificate in services.certificates_expiring(on=day):
        supplier = certificate.supplier
        expired = certificate.valid_until < day
        reminders.append(about_supplier(
            supplier, f"certificate-expiry:{certificate.id}:{certificate.valid_until}", recipients,
            f"Certificate {'expired' if expired else 'expiring'}: {supplier.name} {certificate.standard}",
            f"{supplier.name}'s {certificate.standard} certificate {certificate.number} "
            f"{'expired on' if expired else 'expires on'} {certificate.valid_until}. Ask for the renewed "
            "certificate and record it.",
            anchor="certificates",
        ))
    return reminders
