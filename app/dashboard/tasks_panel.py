"""Home page panel: what waits for the signed-in user (My tasks), first in every role's home page."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.db import utcnow
from app.inbox import services

SHOWN = 3  # tasks per group on the home page; My tasks lists more


def tasks_panel() -> dict[str, Any] | None:
    """The user's task groups with their first few tasks; None when nothing waits."""
    today = utcnow().date()
    groups = services.my_tasks(current_user, today, limit=SHOWN)
    if not groups:
        return None
    return {"template": "dashboard/_tasks_panel.html", "groups": groups, "today": today,
            "total": sum(group.count for group in groups)}
