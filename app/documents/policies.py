"""Who may do what to a generated document: named predicates, called by views and by services."""

from __future__ import annotations

from typing import Any

from app.access import Permission


def can_approve_document(user: Any) -> bool:
    """QA approves a generated document with a signature (the same permission that decides on suppliers)."""
    return bool(user.has(Permission.SUPPLIERS_DECIDE))
