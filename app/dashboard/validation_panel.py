"""The validation overview on the home page: systems by status, reviews due, signatures waiting,
open deviations."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_login import current_user
from sqlalchemy import func, select

from app.access import Permission
from app.extensions import db
from app.formatting import humanise
from app.validation import reminders, services
from app.validation.models import SoftwareSystem
from app.validation.rules import SystemStatus, review_state

LIMIT = 5


def validation_panel() -> dict[str, Any] | None:
    """The panel for anyone who may read validation records; None otherwise."""
    if not current_user.has(Permission.VALIDATION_READ):
        return None
    by_status: dict[str, int] = {
        status: count
        for status, count in db.session.execute(
            select(SoftwareSystem.status, func.count(SoftwareSystem.id)).group_by(SoftwareSystem.status)
        )
    }
    if not by_status:
        return None
    today = services.today()
    soon = int(current_app.config["VALIDATION_REVIEW_DUE_SOON_DAYS"])
    statuses = list(SystemStatus)
    return {
        "template": "dashboard/_validation_panel.html",
        "chart_labels": "|".join(humanise(status) for status in statuses),
        "chart_values": ",".join(str(by_status.get(status, 0)) for status in statuses),
        "by_status": [(status, by_status.get(status, 0)) for status in statuses],
        "total": sum(by_status.values()),
        "reviews_due": [(s, review_state(s.next_periodic_review, today, soon))
                        for s in reminders.reviews_due(today, limit=LIMIT)],
        "protocols_waiting": reminders.protocols_waiting(LIMIT),
        "reports_waiting": reminders.reports_waiting(LIMIT),
        "open_deviations": reminders.open_deviations(LIMIT),
    }
