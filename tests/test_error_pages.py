"""What an error becomes: a busy or unreachable database is a 503 to retry, never a 500."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app import create_app
from app.access import Role
from app.db import database_locked, database_unreachable
from app.suppliers import services
from tests.conftest import test_config as config_for
from tests.services import free_port
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


def _unreachable_urls(tmp_path):
    """Two real databases that cannot be reached: a PostgreSQL address where nothing listens (the driver's connection
    is refused) and a SQLite file in a folder that does not exist (the file cannot be opened)."""
    return {"postgresql": f"postgresql+psycopg://provenance@127.0.0.1:{free_port()}/provenance",
            "sqlite": f"sqlite:///{tmp_path / 'no-such-folder' / 'app.sqlite3'}"}


@pytest.mark.parametrize("engine", ["postgresql", "sqlite"])
def test_a_database_that_cannot_be_reached_answers_503_with_retry_after_and_a_plain_page(tmp_path, engine):
    """Fault: the database is down or restarting. A supplier's link, the sign-in form and the API each answer 503
    with Retry-After and say that nothing was saved, never a 500 (the page is written without the database)."""
    url = _unreachable_urls(tmp_path)[engine]
    unreachable = create_app({**config_for(tmp_path), "SQLALCHEMY_DATABASE_URI": url})
    client = unreachable.test_client()

    for response in (client.get("/portal/" + "a" * 43),
                     client.post("/login", data={"username": "qa", "password": "x" * 16})):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        page = response.get_data(as_text=True)
        assert "cannot be reached" in page and "nothing was saved" in page

    api = client.get("/api/v1/products/p/releases/1/readiness", headers={"Authorization": "Bearer not-a-token"})
    assert api.status_code == 503
    assert api.get_json()["error"] == "Temporarily unavailable"


def test_a_connection_lost_during_a_request_answers_503(login_as, monkeypatch):
    """Fault injection: the server ends the request's connection (restarted, backend terminated). SQLAlchemy marks
    such an error `connection_invalidated`; it is a 503 to retry, like a database that cannot be reached."""
    def lost(*_args, **_kwargs):
        raise OperationalError("INSERT INTO suppliers ...", {}, Exception("terminating connection due to "
                                                                           "administrator command"),
                               connection_invalidated=True)

    monkeypatch.setattr(services, "create_supplier", lost)
    client = login_as(Role.PURCHASING)
    response = client.post("/suppliers/new", data=NEW)
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)


def test_database_errors_are_told_apart_by_what_sqlalchemy_reports():
    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    refused = OperationalError(None, None, Exception("connection failed: Connection refused"))
    lost = OperationalError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True)
    disk = OperationalError("INSERT INTO suppliers ...", {}, sqlite3.OperationalError("disk I/O error"))

    assert database_locked(locked) and not database_unreachable(locked)
    assert database_unreachable(refused) and database_unreachable(lost)
    assert not database_locked(disk) and not database_unreachable(disk)


def test_opening_a_forms_action_address_leads_to_the_page_it_belongs_to(login_as):
    """After a refused signature the address bar shows the form's action; opening it again (a reload, a shared link)
    is a GET that address does not take: the record above it opens, with a word of why."""
    from app.extensions import db
    from tests.suppliers.factories import make_supplier

    client = login_as(Role.PURCHASING)
    supplier = make_supplier()
    db.session.commit()
    response = client.get(f"/suppliers/{supplier.id}/certificates")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/suppliers/{supplier.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "That address only takes a form; here is the page it belongs to." in page
    assert client.get("/logout").status_code == 405  # nothing above it but the home page: the plain 405


def test_an_export_whose_read_another_writer_overtook_still_records_its_download(app, login_as, monkeypatch):
    """SQLite: a GET that has read and then records (the export's audit event) failed at once with a 503 when another
    writer had committed since its read began (its snapshot cannot become a write); the record is a write of its own.
    The other writer commits right after the export's rows are read, every time."""
    from sqlalchemy import text

    from app.audit.models import AuditEvent
    from app.extensions import db
    from app.suppliers import services as supplier_services
    from tests.suppliers.factories import make_supplier

    make_supplier()
    db.session.commit()
    real_rows = supplier_services.export_rows

    def rows_then_another_writer(*args, **kwargs):
        found = real_rows(*args, **kwargs)
        with db.engine.connect() as other:  # another request's connection
            other.execute(text("UPDATE suppliers SET notes = 'changed meanwhile'"))
            other.commit()
        return found

    monkeypatch.setattr(supplier_services, "export_rows", rows_then_another_writer)
    client = login_as(Role.AUDITOR)
    response = client.get("/suppliers/export.csv")
    assert response.status_code == 200 and "Acme Software" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.name.like("%export%"))) == 1


def test_a_refused_form_renders_its_page_while_another_session_writes(app, login_as):
    """A form's request begins as a write; on SQLite its refused page (422) rendered with the write lock held, so
    sign-ins elsewhere waited (15 s, then 503) while a large record's page rendered. While the page renders, another
    session writes at once, on either database (no wait allowed: busy timeout 0, lock timeout 100 ms)."""
    from flask import before_render_template

    from app.extensions import db

    other_writer: list[str] = []

    def try_to_write(_sender, template, **_extra):
        if template.name != "suppliers/form.html" or other_writer:
            return
        other = db.engine.raw_connection()  # another session's connection, dropped afterwards (its timeout changed)
        try:
            cursor = other.cursor()
            if db.engine.dialect.name == "sqlite":
                cursor.execute("PRAGMA busy_timeout = 0")
            else:
                cursor.execute("SET lock_timeout = '100ms'")
            cursor.execute("UPDATE users SET failed_logins = failed_logins")
            other.rollback()
            other_writer.append("wrote")
        except Exception as error:  # the driver's "database is locked" or "lock timeout"
            other_writer.append(str(error))
        finally:
            other.invalidate()

    client = login_as(Role.PURCHASING)
    with before_render_template.connected_to(try_to_write, app):
        response = client.post("/suppliers/new", data={**NEW, "name": ""})
    assert response.status_code == 422
    assert other_writer == ["wrote"]
