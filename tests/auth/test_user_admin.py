"""Admin pages for users: create, edit roles, deactivate/reactivate, reset password; never delete."""

from __future__ import annotations

from sqlalchemy import select

from app.access import Role
from app.auth.models import User
from app.extensions import db
from tests.helpers import login


def user_named(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_admin_creates_a_user_who_must_change_the_temporary_password(app, login_as):
    admin = login_as(Role.ADMIN)
    response = admin.post("/users/new", data={"username": "newbie", "full_name": "New Bie", "email": "n@example.com",
                                              "roles": ["engineer", "qa"], "password": "temporary passphrase 1"})
    assert response.status_code == 302
    newbie = user_named("newbie")
    assert newbie.role_set == {Role.ENGINEER, Role.QA} and newbie.must_change_password
    client = app.test_client()
    assert login(client, "newbie", "temporary passphrase 1").headers["Location"] == "/account/password"


def test_a_weak_password_keeps_the_form_filled_with_a_clear_message(login_as):
    admin = login_as(Role.ADMIN)
    page = admin.post("/users/new", data={"username": "newbie", "full_name": "New Bie", "email": "n@example.com",
                                          "roles": ["qa"], "password": "short"}).get_data(as_text=True)
    assert "Use at least 12 characters." in page and 'value="New Bie"' in page
    assert user_named("newbie") is None


def test_stale_edit_of_a_user_gets_a_409_and_changes_nothing(login_as, make_user):
    admin = login_as(Role.ADMIN)
    target = make_user("target", Role.ENGINEER, full_name="Before")
    stale_version = target.version
    target.full_name = "Changed meanwhile"
    db.session.commit()
    response = admin.post(f"/users/{target.id}", data={"full_name": "Mine", "email": "t@example.com",
                                                         "roles": ["engineer"], "version": str(stale_version)})
    assert response.status_code == 409
    db.session.expire_all()
    assert user_named("target").full_name == "Changed meanwhile"


def test_deactivate_and_reactivate(app, login_as, make_user):
    admin = login_as(Role.ADMIN)
    target = make_user("target", Role.ENGINEER)
    admin.post(f"/users/{target.id}/deactivate")
    db.session.expire_all()
    assert user_named("target").active is False
    assert login(app.test_client(), "target").status_code == 200
    admin.post(f"/users/{target.id}/reactivate")
    db.session.expire_all()
    assert login(app.test_client(), "target").status_code == 302


def test_an_admin_cannot_deactivate_themselves(login_as):
    admin = login_as(Role.ADMIN, username="boss")
    me = user_named("boss")
    page = admin.post(f"/users/{me.id}/deactivate", follow_redirects=True).get_data(as_text=True)
    assert "cannot deactivate your own account" in page
    db.session.expire_all()
    assert user_named("boss").active


def test_reset_password_ends_sessions_and_forces_a_change(app, login_as, make_user):
    admin = login_as(Role.ADMIN)
    target = make_user("target", Role.ENGINEER)
    victim = app.test_client()
    login(victim, "target")
    admin.post(f"/users/{target.id}/reset-password", data={"password": "temporary passphrase 2"})
    assert victim.get("/").status_code == 302
    assert login(app.test_client(), "target", "temporary passphrase 2").headers["Location"] == "/account/password"


def test_users_cli_creates_and_deactivates(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--username", "cli_user", "--full-name", "Cli User",
                                 "--email", "c@example.com", "--role", "qa", "--role", "auditor", "--password-stdin"],
                           input="a long cli passphrase\n")
    assert result.exit_code == 0, result.output
    assert user_named("cli_user").role_set == {Role.QA, Role.AUDITOR}
    result = runner.invoke(args=["users", "deactivate", "cli_user"])
    assert result.exit_code == 0
    db.session.expire_all()
    assert user_named("cli_user").active is False
    assert runner.invoke(args=["users", "deactivate", "nobody"]).exit_code == 2
