"""Route guards: every view states the permission it needs (the guard itself lives in app/access.py)."""

from __future__ import annotations

from app.access import permission_required

__all__ = ["permission_required"]
