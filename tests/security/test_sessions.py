"""Security test findings on sessions (ASVS V3): absolute lifetime, __Host- cookie in production, no-store on
signed-in pages, refused requests recorded (rate-limited) as access.denied, downloads of evidence audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import create_app
from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.storage import store_bytes
from tests.conftest import test_config as config_for
from tests.helpers import login
from tests.suppliers.factories import make_certificate, make_supplier
from tests.test_storage import PDF


def _events(name):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.name == name).order_by(AuditEvent.id)))


def test_a_session_ends_after_its_absolute_lifetime_even_when_active(app, client, make_user):
    make_user("erin", Role.ENGINEER)
    login(client, "erin")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] -= app.config["SESSION_ABSOLUTE_LIFETIME_HOURS"] * 3600 + 1
    response = client.get("/")  # last_seen is fresh: only the absolute lifetime ends it
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/").status_code == 302


def test_the_session_cookie_has_the_host_prefix_in_production(tmp_path):
    config = {**config_for(tmp_path), "ENV": "production"}
    production = create_app(config)
    assert production.config["SESSION_COOKIE_NAME"] == "__Host-provenance-session"
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_PATH"] == "/" and production.config["SESSION_COOKIE_DOMAIN"] is None


def test_development_and_tests_keep_a_plain_cookie_name(app):
    assert app.config["SESSION_COOKIE_NAME"] == "session"


def test_signed_in_pages_are_not_stored_by_caches(login_as, client):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    signed_in = login_as(Role.QA)
    for url in ("/", "/suppliers/", "/audit/", "/suppliers/export.csv"):
        assert signed_in.get(url).headers["Cache-Control"] == "no-store", url


def test_a_refused_request_is_recorded_as_access_denied_and_rate_limited(app, login_as):
    client = login_as(Role.ENGINEER)
    assert client.get("/audit/?x=1").status_code == 403
    event = _events("access.denied")[0]
    assert event.actor_name.endswith("(engineer_user)")
    assert event.details == {"path": "/audit/?x=1", "method": "GET", "permission": "audit.read"}
    assert event.reason
    limit = app.config["ACCESS_DENIED_AUDIT_PER_MINUTE"]
    for _ in range(limit + 5):
        assert client.get("/audit/").status_code == 403
    assert len(_events("access.denied")) == limit


def test_evidence_downloads_are_audited(login_as):
    supplier = make_supplier()
    certificate = make_certificate(supplier, date(2030, 1, 1))
    certificate.evidence_file = store_bytes(PDF, "iso.pdf", allowed={"pdf"}, max_bytes=10**6)
    db.session.commit()
    client = login_as(Role.QA)
    response = client.get(f"/suppliers/{supplier.id}/certificates/{certificate.id}/evidence")
    assert response.status_code == 200
    events = _events("file.downloaded")
    assert len(events) == 1 and events[0].actor_name.endswith("(qa_user)")
    assert events[0].entity_id == str(certificate.evidence_file.id)
