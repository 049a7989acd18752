"""Dashboard panel of the inventory: anomaly reviews due or overdue, open advisories on draft and frozen releases."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.access import Permission
from app.db import utcnow
from app.inventory.advisories import services as advisory_services
from app.inventory.anomalies import services as anomaly_services
from app.inventory.anomalies.rules import ReviewState

SHOWN = 8


def inventory_panel() -> dict[str, Any] | None:
    """What needs the inventory keepers now; None for users who cannot read the inventory or when nothing waits."""
    if not current_user.has(Permission.INVENTORY_READ):
        return None
    due = anomaly_services.reviews_due(utcnow().date())
    releases = [row for row in advisory_services.open_advisories_by_release() if row["status"] in ("draft", "frozen")]
    if not due and not releases:
        return None
    counts = {state.value: 0 for state in ReviewState}
    for item in due:
        counts[item.status.state.value] += 1
    return {
        "template": "dashboard/_inventory_panel.html",
        "due": due[:SHOWN],
        "due_total": len(due),
        "due_counts": counts,
        "releases": releases[:SHOWN],
        "open_total": sum(row["open"] for row in releases),
    }
