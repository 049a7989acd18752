"""What the supplier services share: settings, the editor check, stale edits, list filters and search, export
cells."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, func, or_

from app.audit import services as audit
from app.errors import PermissionDenied, StaleEdit
from app.labels import is_code, label
from app.suppliers import policies


def setting(name: str, default: Any) -> Any:
    """A setting of the app; its default outside an app (pure tests)."""
    return current_app.config.get(name, default) if has_app_context() else default



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


def contains_text(text: str, *columns: Any) -> ColumnElement[bool]:
    """Any of the columns contains the text, ignoring case; the text's own % and _ are taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(func.lower(column).like(f"%{escaped}%", escape="\\") for column in columns))


def query_arg(args: Any, name: str, allowed: Collection[str], default: str = "") -> str:
    """A list page's filter from the query string; a value it does not know falls back to the default."""
    value = str(args.get(name, "") or "")
    return value if value in allowed else default


def search_arg(args: Any) -> str:
    """A list page's search text (q) from the query string, trimmed, at most 100 characters."""
    return str(args.get("q", "") or "").strip()[:100]


def export_cell(value: Any) -> Any:
    """A value as an export cell: times and dates as text, Yes/No for booleans, codes as their labels, blank for
    None (the labels of app/labels.py, as on the pages)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if is_code(value):
        return label(value)
    return "" if value is None else value
