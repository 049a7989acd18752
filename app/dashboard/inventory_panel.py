"""Dashboard panel of the inventory: anomaly reviews due or overdue, open advisories on draft and frozen releases."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.access import Permission
from app.db import utcnow
from app.inventory import summary
from app.inventory.anomalies import services as anomaly_services

SHOWN = 8


def inventory_panel() -> dict[str, Any] | None:
    """What needs the inventory keepers now; None for users who cannot read the inventory or when nothing waits.

    Counts in SQL and the first few items with LIMIT, from the stored review schedule: the same queries whatever
    the number of components."""
    if not current_user.has(Permission.INVENTORY_READ):
        return None
    today = utcnow().date()
    counts = anomaly_services.reviews_due_counts(today)
    releases, open_total = summary.open_advisories_by_release(limit=SHOWN)
    due_total = sum(counts.values())
    if not due_total and not releases:
        return None
    return {
        "template": "dashboard/_inventory_panel.html",
        "due": anomaly_services.reviews_due(today, limit=SHOWN) if due_total else [],
        "due_total": due_total,
        "due_counts": counts,
        "releases": releases,
        "open_total": open_total,
    }
