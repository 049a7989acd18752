"""Checking a password (argon2, the slow part of a sign-in) happens in a read-only transaction and only the record
of the sign-in is a write: on SQLite another writer (here someone else signing in) goes through while a password
is being checked, instead of waiting for the write lock and failing "database is locked" on a busy server."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.auth import services
from app.extensions import db
from tests.helpers import PASSWORD, sign_in_elsewhere


def test_someone_else_signs_in_while_a_password_is_being_checked(app, make_user, monkeypatch):
    make_user("erin", Role.ENGINEER)
    make_user("quinn", Role.QA)
    original = services.verify_password
    others: list[int] = []

    def checking(stored: Any, password: str) -> bool:
        if not others:
            others.append(0)
            others[0] = sign_in_elsewhere(app, "quinn")  # a locked database answers 500
        return original(stored, password)

    monkeypatch.setattr(services, "verify_password", checking)
    response = app.test_client().post("/login", data={"username": "erin", "password": PASSWORD})
    assert response.status_code == 302 and others == [302]
    logins = db.session.scalars(select(AuditEvent.actor_name).where(AuditEvent.name == "auth.login")).all()
    assert sorted(logins) == ["Erin (erin)", "Quinn (quinn)"]


def test_a_password_changed_between_the_check_and_the_record_is_checked_again(make_user):
    erin = make_user("erin", Role.ENGINEER)
    checked = services.check_credentials("erin", PASSWORD)
    assert checked.matched
    erin.password_hash = services.hash_password("another passphrase for erin 42")
    db.session.commit()
    with pytest.raises(services.LoginRefused):
        services.authenticate("erin", PASSWORD, checked)
    assert db.session.get(type(erin), erin.id).failed_logins == 1
