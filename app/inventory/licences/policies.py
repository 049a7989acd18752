"""Who may change the licence policy (the service calls this too)."""

from __future__ import annotations

from typing import Any

from app.access import Permission


def can_edit_licence_policy(user: Any) -> bool:
    """QA and admins set the licence policy."""
    return bool(user.has(Permission.LICENCE_POLICY_EDIT))
