"""What the supplier services share: settings, the clock, the editor check, stale edits, search patterns and export
cells."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app, has_app_context

from app.audit import services as audit
from app.db import utcnow
from app.errors import PermissionDenied, StaleEdit
from app.suppliers import policies


def setting(name: str, default: Any) -> Any:
    """A setting of the app; its default outside an app (pure tests)."""
    return current_app.config.get(name, default) if has_app_context() else default


def today() -> date:
    """Today's date in UTC (the app's clock for due dates)."""
    return utcnow().date()


def require_editor(user: Any) -> None:
    """Only the register's keepers change it (no user: the CLI or the system)."""
    if user is not None and not policies.can_edit_suppliers(user):
        raise PermissionDenied("You may not change the supplier register.")


def stale_edit(entity_type: str, entity_id: int) -> StaleEdit:
    """The 409 for an edit made on an older version, listing the record's latest changes."""
    return StaleEdit(changes=[
        f"{event.occurred_at:%Y-%m-%d %H:%M} {event.name or event.action} by {event.actor_name}"
        for event in audit.history(entity_type, entity_id, 5)
    ])


def like_pattern(text: str) -> str:
    """A LIKE pattern that finds the text anywhere, its own % and _ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def export_cell(value: Any) -> Any:
    """A value as an export cell: times and dates as text, yes/no for booleans, blank for None."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value
