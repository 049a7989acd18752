"""Roles and what each may do: the auth package's name for the shared vocabulary in app/access.py."""

from __future__ import annotations

from app.access import ROLE_PERMISSIONS, Permission, Role, permissions_for

__all__ = ["ROLE_PERMISSIONS", "Permission", "Role", "permissions_for"]
