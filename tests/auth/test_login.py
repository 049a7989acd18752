"""Sign-in, lockout, sessions, redirects and CSRF."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.auth.models import User
from app.db import utcnow
from app.extensions import db
from tests.helpers import PASSWORD, csrf_token_from, login


def test_correct_password_signs_in_and_lands_on_home(client, make_user):
    make_user("erin", Role.ENGINEER)
    response = login(client, "erin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_message(client, make_user):
    make_user("erin", Role.ENGINEER)
    wrong = login(client, "erin", "not-the-password").get_data(as_text=True)
    unknown = login(client, "nobody", "not-the-password").get_data(as_text=True)
    message = "Invalid username or password, or the account is locked or inactive."
    assert message in wrong and message in unknown


def test_sixth_attempt_is_refused_even_with_the_right_password_after_five_failures(client, make_user):
    make_user("erin", Role.ENGINEER)
    for _ in range(5):
        assert login(client, "erin", "wrong-password-123").status_code == 200
    user = db.session.scalar(select(User).where(User.username == "erin"))
    db.session.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()
    assert login(client, "erin", PASSWORD).status_code == 200  # locked: refused
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"login_failed", "lockout"} <= actions


def test_lockout_ends_after_the_configured_time(client, make_user):
    user = make_user("erin", Role.ENGINEER)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert login(client, "erin").status_code == 302


def test_inactive_session_times_out(app, client, make_user):
    make_user("erin", Role.ENGINEER)
    login(client, "erin")
    with client.session_transaction() as session:
        session["last_seen"] = session["last_seen"] - (app.config["SESSION_INACTIVITY_MINUTES"] * 60 + 1)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_old_session_cookie_replayed_after_logout_is_refused(app, client, make_user):
    make_user("erin", Role.ENGINEER)
    login(client, "erin")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_signed_in_session_used_from_another_browser_is_signed_out(app, client, make_user):
    """Strong session protection still guards every session that names a user."""
    make_user("erin", Role.ENGINEER)
    login(client, "erin")
    response = client.get("/", headers={"User-Agent": "Another browser/1.0"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_an_anonymous_session_is_not_rewritten_on_every_request(client):
    """A session that names no user (a supplier's or a sign-in form's CSRF token) has nothing to protect: it is not
    cleared and re-sent on every page (flask-login issue 569)."""
    client.get("/login")  # the form puts the CSRF token in the session
    assert client.get_cookie("session") is not None
    response = client.get("/login")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_deactivation_ends_existing_sessions(app, client, make_user):
    user = make_user("erin", Role.ENGINEER)
    login(client, "erin")
    from app.auth import services

    services.deactivate(db.session.get(User, user.id))
    db.session.commit()
    assert client.get("/").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user):
    make_user("erin", Role.ENGINEER)
    other = app.test_client()
    login(client, "erin")
    login(other, "erin")
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_next_parameter_only_redirects_to_local_paths(client, make_user):
    make_user("erin", Role.ENGINEER)
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"):
        fresh = client.application.test_client()
        response = fresh.post("/login", data={"username": "erin", "password": PASSWORD, "next": evil})
        assert response.headers["Location"] == "/", evil
    fresh = client.application.test_client()
    response = fresh.post("/login", data={"username": "erin", "password": PASSWORD, "next": "/audit/?page=2"})
    assert response.headers["Location"] == "/audit/?page=2"


def test_post_without_csrf_token_gets_400(app, client, make_user):
    make_user("erin", Role.ENGINEER)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"username": "erin", "password": PASSWORD})
        assert response.status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = csrf_token_from(page)
        response = client.post("/login", data={"username": "erin", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_expired_password_must_be_changed_before_anything_else(app, client, make_user):
    user = make_user("erin", Role.ENGINEER)
    app.config["PASSWORD_MAX_AGE_DAYS"] = 90
    try:
        user.password_changed_at = utcnow() - timedelta(days=91)
        db.session.commit()
        response = login(client, "erin")
        assert response.headers["Location"] == "/account/password"
        assert client.get("/").headers["Location"] == "/account/password"
    finally:
        app.config["PASSWORD_MAX_AGE_DAYS"] = 0


def test_logout_requires_post(client, make_user):
    make_user("erin", Role.ENGINEER)
    login(client, "erin")
    assert client.get("/logout").status_code == 405


def test_stay_signed_in_restarts_the_inactivity_timer(app, client, make_user):
    make_user("erin", Role.ENGINEER)
    login(client, "erin")
    timeout_s = app.config["SESSION_INACTIVITY_MINUTES"] * 60
    with client.session_transaction() as session:
        session["last_seen"] = session["last_seen"] - (timeout_s - 5)  # five seconds before the end
    assert client.post("/account/keepalive").status_code == 204
    with client.session_transaction() as session:
        assert session["last_seen"] >= utcnow().timestamp() - 5
        session["last_seen"] = session["last_seen"] - (timeout_s - 5)  # idle again, but counted from the keepalive
    assert client.get("/").status_code == 200
