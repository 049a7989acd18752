"""What an error becomes: a busy embedded database is a 503 to retry, never a 500."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import OperationalError

from app.access import Role
from app.suppliers import services
from tests.suppliers.test_register_views import NEW


def test_a_database_locked_longer_than_the_busy_timeout_answers_503_with_retry_after(login_as, monkeypatch):
    """Fault injection: the write stays locked out by other writers (SQLite's one write lock) past the timeout."""
    def locked(*_args, **_kwargs):
        raise OperationalError("INSERT INTO suppliers ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(services, "create_supplier", locked)
    client = login_as(Role.PURCHASING)
    response = client.post("/suppliers/new", data=NEW)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "nothing was saved" in response.get_data(as_text=True)


def test_another_database_error_is_still_a_500_that_saves_nothing(login_as, monkeypatch):
    def broken(*_args, **_kwargs):
        raise OperationalError("INSERT INTO suppliers ...", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(services, "create_supplier", broken)
    client = login_as(Role.PURCHASING)
    response = client.post("/suppliers/new", data=NEW)
    assert response.status_code == 500


def test_a_database_locked_while_loading_the_signed_in_user_answers_503_and_is_not_asked_again(app, login_as, monkeypatch):
    """The lock meets the request's first query (loading the user): the finished 503 still says no-store for a
    signed-in session without asking the locked database for the user a second time (that answered 500)."""
    client = login_as(Role.PURCHASING)
    calls = []

    def locked(_alternative_id):
        calls.append(_alternative_id)
        raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(app.login_manager, "_user_callback", locked)
    response = client.post("/suppliers/new", data=NEW)
    assert response.status_code == 503
    assert response.headers["Cache-Control"] == "no-store"
    assert len(calls) == 1
