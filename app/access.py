"""Roles, what each may do, and the route guard: the access vocabulary every layer shares.

Views check permissions, never role names. The auth package keeps the users and the roles they hold; this
module sits below every domain (audit included, which auth itself uses), so any page can guard its routes.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user, login_required


class Role(StrEnum):
    ADMIN = "admin"
    QA = "qa"
    PURCHASING = "purchasing"
    ENGINEER = "engineer"
    AUDITOR = "auditor"


class Permission(StrEnum):
    # Foundation
    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    SETTINGS_MANAGE = "settings.manage"
    OUTBOX_READ = "outbox.read"
    # Suppliers and questionnaires
    SUPPLIERS_READ = "suppliers.read"
    SUPPLIERS_EDIT = "suppliers.edit"
    SUPPLIERS_DECIDE = "suppliers.decide"
    QUESTIONNAIRES_EDIT = "questionnaires.edit"
    EVALUATIONS_MANAGE = "evaluations.manage"
    EVALUATIONS_REVIEW = "evaluations.review"
    PURCHASES_EDIT = "purchases.edit"
    PURCHASES_APPROVE = "purchases.approve"
    # Inventory
    INVENTORY_READ = "inventory.read"
    INVENTORY_EDIT = "inventory.edit"
    INVENTORY_FREEZE = "inventory.freeze"
    LICENCE_POLICY_EDIT = "licence_policy.edit"
    API_TOKENS_MANAGE = "api_tokens.manage"
    # Validation
    VALIDATION_READ = "validation.read"
    VALIDATION_EDIT = "validation.edit"
    VALIDATION_EXECUTE = "validation.execute"
    VALIDATION_REVIEW = "validation.review"
    VALIDATION_APPROVE = "validation.approve"
    # Documents
    DOCUMENTS_READ = "documents.read"
    DOCUMENTS_GENERATE = "documents.generate"
    TEMPLATES_MANAGE = "templates.manage"


_READ_ALL = {
    Permission.SUPPLIERS_READ,
    Permission.INVENTORY_READ,
    Permission.VALIDATION_READ,
    Permission.DOCUMENTS_READ,
    Permission.DOCUMENTS_GENERATE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        _READ_ALL
        | {
            Permission.USERS_MANAGE,
            Permission.AUDIT_READ,
            Permission.AUDIT_EXPORT,
            Permission.SETTINGS_MANAGE,
            Permission.OUTBOX_READ,
            Permission.TEMPLATES_MANAGE,
            Permission.API_TOKENS_MANAGE,
            Permission.LICENCE_POLICY_EDIT,
        }
    ),
    Role.QA: frozenset(
        _READ_ALL
        | {
            Permission.AUDIT_READ,
            Permission.AUDIT_EXPORT,
            Permission.SUPPLIERS_EDIT,
            Permission.SUPPLIERS_DECIDE,
            Permission.QUESTIONNAIRES_EDIT,
            Permission.EVALUATIONS_MANAGE,
            Permission.EVALUATIONS_REVIEW,
            Permission.PURCHASES_APPROVE,
            Permission.INVENTORY_EDIT,
            Permission.INVENTORY_FREEZE,
            Permission.LICENCE_POLICY_EDIT,
            Permission.VALIDATION_REVIEW,
            Permission.VALIDATION_APPROVE,
        }
    ),
    Role.PURCHASING: frozenset(
        _READ_ALL
        | {
            Permission.SUPPLIERS_EDIT,
            Permission.QUESTIONNAIRES_EDIT,
            Permission.EVALUATIONS_MANAGE,
            Permission.EVALUATIONS_REVIEW,
            Permission.PURCHASES_EDIT,
        }
    ),
    Role.ENGINEER: frozenset(
        _READ_ALL
        | {
            Permission.INVENTORY_EDIT,
            Permission.VALIDATION_EDIT,
            Permission.VALIDATION_EXECUTE,
            Permission.VALIDATION_REVIEW,
        }
    ),
    Role.AUDITOR: frozenset(_READ_ALL | {Permission.AUDIT_READ, Permission.AUDIT_EXPORT}),
}


def permissions_for(roles: set[Role]) -> frozenset[Permission]:
    """The union of what the given roles may do."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


F = TypeVar("F", bound=Callable[..., Any])


def permission_required(*permissions: Permission) -> Callable[[F], F]:
    """Sign-in required, then any one of the permissions; otherwise 403 before any object is loaded."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not any(current_user.has(permission) for permission in permissions):
                g.denied_permissions = tuple(str(permission) for permission in permissions)  # for the audit trail
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapper)
        guarded.required_permissions = permissions  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorator
