"""The main navigation: each item shows when its blueprint is registered and the user may use it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from app.access import Permission


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    permission: Permission | None


# Declared once for the whole product; an item whose endpoint does not exist yet stays hidden.
NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "dashboard.index", None),
    NavItem("My tasks", "inbox.index", None),
    NavItem("Suppliers", "suppliers.list", Permission.SUPPLIERS_READ),
    NavItem("Approved list", "suppliers.approved_list", Permission.SUPPLIERS_READ),
    NavItem("Questionnaires", "questionnaires.list", Permission.QUESTIONNAIRES_EDIT),
    NavItem("Purchases", "suppliers.purchases_list", Permission.SUPPLIERS_READ),
    NavItem("Inventory", "inventory.products_list", Permission.INVENTORY_READ),
    NavItem("Advisories", "inventory.advisories_list", Permission.INVENTORY_READ),
    NavItem("Validation", "validation.systems_list", Permission.VALIDATION_READ),
    NavItem("Documents", "documents.register", Permission.DOCUMENTS_READ),
    NavItem("Audit log", "audit.log", Permission.AUDIT_READ),
    NavItem("Background work", "jobs.list", None),
    NavItem("Users", "auth.users_list", Permission.USERS_MANAGE),
    NavItem("API tokens", "api.tokens_list", Permission.API_TOKENS_MANAGE),
    NavItem("Outbox", "notifications.outbox", Permission.OUTBOX_READ),
)


def visible_items() -> list[NavItem]:
    """The items the current user may open, in order."""
    endpoints = current_app.view_functions
    return [
        item
        for item in NAV_ITEMS
        if item.endpoint in endpoints and (item.permission is None or current_user.has(item.permission))
    ]
