"""Who may keep SOUP requirements, import test results and sign a rationale (the services call these too)."""

from __future__ import annotations

from typing import Any

from app.access import Permission


def can_edit_requirements(user: Any) -> bool:
    """Whoever keeps the inventory writes, edits and re-assesses SOUP requirements."""
    return bool(user is None or user.has(Permission.INVENTORY_EDIT))


def can_import_tests(user: Any, release: Any) -> bool:
    """Whoever keeps the inventory imports test results into a draft release (the CLI acts as nobody: user None)."""
    return bool((user is None or user.has(Permission.INVENTORY_EDIT)) and not release.is_frozen)


def can_sign_rationale(user: Any) -> bool:
    """QA signs that a requirement is verified by other means than a linked test, as it signs waivers."""
    return bool(user.has(Permission.INVENTORY_FREEZE))
