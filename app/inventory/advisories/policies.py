"""Who may import advisories and triage their matches (services call these too)."""

from __future__ import annotations

from typing import Any

from app.access import Permission


def can_import_advisories(user: Any) -> bool:
    """Engineers and QA keep the advisory database current."""
    return bool(user.has(Permission.INVENTORY_EDIT))


def can_triage_match(user: Any, _match: Any) -> bool:
    """Deciding whether an advisory affects a component is inventory work; it is allowed on frozen releases
    too, because monitoring a released version continues after the freeze."""
    return bool(user.has(Permission.INVENTORY_EDIT))


def can_sync_advisories(user: Any) -> bool:
    """QA and administrators start an advisory sync by hand (the worker runs it on its schedule anyway)."""
    return bool(user.has(Permission.INVENTORY_FREEZE) or user.has(Permission.SETTINGS_MANAGE))
