"""Object-level permission predicates of the inventory; views and services both call them."""

from __future__ import annotations

from app.access import Permission
from app.auth.models import User
from app.inventory.models import Component, Release


def can_edit_release(user: User | None, release: Release) -> bool:
    """Engineers (and QA) change a release's components only while it is a draft."""
    return (user is None or user.has(Permission.INVENTORY_EDIT)) and not release.is_frozen


def can_edit_component(user: User | None, component: Component) -> bool:
    """A component is edited by whoever may edit its release, while the release is a draft."""
    return can_edit_release(user, component.release)


def can_freeze(user: User, release: Release) -> bool:
    """QA freezes (and signs) a draft release."""
    return user.has(Permission.INVENTORY_FREEZE) and not release.is_frozen


def can_author(user: User, release: Release) -> bool:
    """Whoever may edit the inventory prepares (signs as author) a draft release's SOUP list."""
    return user.has(Permission.INVENTORY_EDIT) and not release.is_frozen


def can_sign_waivers(user: User) -> bool:
    """QA signs licence waivers and supplier exemptions."""
    return user.has(Permission.INVENTORY_FREEZE)
