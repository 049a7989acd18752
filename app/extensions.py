"""Unbound extension singletons, bound to the app in create_app (breaks import cycles)."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import LoginManager
from flask_login.config import COOKIE_NAME
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.db import Base


class SessionLoginManager(LoginManager):
    """Flask-Login's manager whose session protection guards only a session that can sign someone in.

    An anonymous session (a supplier's, holding only its CSRF token) names no user and carries no remember cookie:
    there is nothing to protect. Flask-Login 0.6.3 "fails" strong protection on it at every request that reads
    `current_user` (every page render), clears it and sends two Set-Cookie headers (flask-login issue 569)."""

    def _session_protection_failed(self) -> bool:
        if not may_name_a_user():
            return False
        return bool(super()._session_protection_failed())


def may_name_a_user() -> bool:
    """Whether the request could be a signed-in user's: its session names one, or it carries a remember cookie.
    When not, `current_user` is the anonymous user for sure (no user loader, no header or request loader is asked)."""
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    return "_user_id" in session or remember_cookie in request.cookies


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = SessionLoginManager()
csrf = CSRFProtect()
