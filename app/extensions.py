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
        remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
        if "_user_id" not in session and remember_cookie not in request.cookies:
            return False
        return bool(super()._session_protection_failed())


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = SessionLoginManager()
csrf = CSRFProtect()
