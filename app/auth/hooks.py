"""Per-request session rules: inactivity timeout, absolute lifetime and forced password change."""

from __future__ import annotations

import math
from typing import Any

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from app.auth.services import password_expired
from app.db import utcnow
from app.extensions import may_name_a_user
from app.restore import restore_target

OPEN_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.login", "static"}


def _end_session(message: str) -> Any:
    logout_user()
    session.clear()
    if request.method == "GET":
        flash(message, "warning")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    back = restore_target(request.referrer)  # a form sent after the session ended: back to it, filled again
    if back is None:
        flash(message, "warning")
        return redirect(url_for("auth.login"))
    flash(f"{message} Nothing was saved: what you typed is put back in the form once you have signed in, for you to "
          "check and submit.", "warning")
    return redirect(url_for("auth.login", next=back))


def seconds_until_session_limit() -> int:
    """Seconds left before the session reaches its absolute lifetime, however active the user (pages warn before)."""
    signed_in_at = session.get("signed_in_at")
    lifetime_s = float(current_app.config["SESSION_ABSOLUTE_LIFETIME_HOURS"]) * 3600
    if signed_in_at is None:
        return 0
    return max(0, math.ceil(float(signed_in_at) + lifetime_s - utcnow().timestamp()))


def enforce_session_rules() -> Any:
    """End a session idle longer than the timeout; send users with an expired password to change it.

    A request whose session names no user (a supplier's autosave) is left alone without loading `current_user`."""
    if request.endpoint == "static" or not may_name_a_user() or not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    last_seen = session.get("last_seen")
    timeout_s = current_app.config["SESSION_INACTIVITY_MINUTES"] * 60
    if last_seen is None or now - float(last_seen) > timeout_s:
        return _end_session("Your session ended after a period of inactivity. Please sign in again.")
    if seconds_until_session_limit() == 0:
        return _end_session("Your session reached its maximum length. Please sign in again.")
    session["last_seen"] = now
    session.permanent = True
    if request.endpoint not in OPEN_ENDPOINTS and password_expired(current_user):
        flash("Your password has expired or was reset. Choose a new one to continue.", "warning")
        return redirect(url_for("auth.change_password"))
    return None
