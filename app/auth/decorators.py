"""Route guards: every view states the permission it needs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from app.auth.permissions import Permission

F = TypeVar("F", bound=Callable[..., Any])


def permission_required(*permissions: Permission) -> Callable[[F], F]:
    """Sign-in required, then any one of the permissions; otherwise 403 before any object is loaded."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not any(current_user.has(permission) for permission in permissions):
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(wrapper)
        guarded.required_permissions = permissions  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorator
