"""Who may do what with advisories, anomaly reviews and the licence policy (services call these too)."""

from __future__ import annotations

from typing import Any

from app.auth.permissions import Permission


def can_import_advisories(user: Any) -> bool:
    """Engineers and QA keep the advisory database current."""
    return bool(user.has(Permission.INVENTORY_EDIT))


def can_triage_match(user: Any, _match: Any) -> bool:
    """Deciding whether an advisory affects a component is inventory work; it is allowed on frozen releases
    too, because monitoring a released version continues after the freeze."""
    return bool(user.has(Permission.INVENTORY_EDIT))


def can_record_review(user: Any, _component: Any) -> bool:
    """Anyone keeping the inventory may review a version's anomalies; the reviewer is that user."""
    return bool(user.has(Permission.INVENTORY_EDIT))


def can_edit_licence_policy(user: Any) -> bool:
    """QA and admins set the licence policy."""
    return bool(user.has(Permission.LICENCE_POLICY_EDIT))
