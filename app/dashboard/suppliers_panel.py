"""Home page panel of the supplier domain: re-evaluations due, certificates expiring, evaluations waiting."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_login import current_user

from app.access import Permission
from app.questionnaires.services import evaluations_waiting, evaluations_waiting_counts
from app.suppliers import services

SHOWN = 5


def suppliers_panel() -> dict[str, Any] | None:
    """Counts and the first few items of each due list, for users who may read the register: SQL counts and LIMIT
    queries, the same few whatever the size of the register."""
    if not current_user.has(Permission.SUPPLIERS_READ):
        return None
    today = services.today()
    due_count, overdue_count = services.reevaluations_due_counts(on=today)
    certificates_count, expired_count = services.certificates_expiring_counts(on=today)
    return {
        "template": "dashboard/_suppliers_panel.html",
        "today": today,
        "due": services.reevaluations_due(on=today, limit=SHOWN) if due_count else [],
        "due_count": due_count, "overdue_count": overdue_count,
        "certificates": services.certificates_expiring(on=today, limit=SHOWN) if certificates_count else [],
        "certificates_count": certificates_count, "expired_count": expired_count,
        "waiting": evaluations_waiting(limit=SHOWN),
        "waiting_counts": evaluations_waiting_counts(),
        "warn_days": int(current_app.config["SUPPLIER_REEVALUATION_WARN_DAYS"]),
        "cert_warn_days": int(current_app.config["CERTIFICATE_EXPIRY_WARN_DAYS"]),
    }
