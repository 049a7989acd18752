"""Home page panel of the supplier domain: re-evaluations due, certificates expiring, evaluations waiting."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_login import current_user

from app.access import Permission
from app.questionnaires.services import evaluations_waiting
from app.suppliers import services

SHOWN = 5


def suppliers_panel() -> dict[str, Any] | None:
    """Counts and the first few items of each due list, for users who may read the register."""
    if not current_user.has(Permission.SUPPLIERS_READ):
        return None
    today = services.today()
    due = services.reevaluations_due(on=today)
    certificates = services.certificates_expiring(on=today)
    waiting = evaluations_waiting()
    overdue = [s for s in due if s.next_reevaluation_due and s.next_reevaluation_due < today]
    expired = [c for c in certificates if c.valid_until < today]
    return {
        "template": "dashboard/_suppliers_panel.html",
        "today": today,
        "due": due[:SHOWN], "due_count": len(due), "overdue_count": len(overdue),
        "certificates": certificates[:SHOWN], "certificates_count": len(certificates), "expired_count": len(expired),
        "waiting": {key: items[:SHOWN] for key, items in waiting.items()},
        "waiting_counts": {key: len(items) for key, items in waiting.items()},
        "warn_days": int(current_app.config["SUPPLIER_REEVALUATION_WARN_DAYS"]),
        "cert_warn_days": int(current_app.config["CERTIFICATE_EXPIRY_WARN_DAYS"]),
    }
