"""Who may record an anomaly review (the service calls this too)."""

from __future__ import annotations

from typing import Any

from app.access import Permission


def can_record_review(user: Any, _component: Any) -> bool:
    """Anyone keeping the inventory may review a version's anomalies; the reviewer is that user."""
    return bool(user.has(Permission.INVENTORY_EDIT))
