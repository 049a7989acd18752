"""Certificates can be corrected (stale edits refused) and voided with a reason, never deleted; a voided
certificate stays on record but counts nowhere: approved list, expiry warnings, reminders, dashboard."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.access import Role
from app.audit.models import AuditEvent
from app.errors import Conflict, StaleEdit, ValidationFailed
from app.extensions import db
from app.notifications.reminders import queue_reminders
from app.suppliers import services
from app.suppliers.models import Certificate
from tests.questionnaires.factories import PDF
from tests.suppliers.factories import make_certificate, make_supplier

DAY = date(2026, 6, 1)


@pytest.fixture
def editor(make_user):
    return make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")


def approved_with_certificate(valid_until: date = DAY + timedelta(days=10)) -> Certificate:
    supplier = make_supplier("A-1", "Alpha Hosting", status="approved")
    certificate = make_certificate(supplier, valid_until, standard="ISO/IEC 27001", number="IS-1")
    db.session.commit()
    return certificate


def events(action_name: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.name == action_name)))


def test_an_edit_corrects_number_issuer_expiry_and_evidence_and_is_audited(login_as, editor):
    certificate = approved_with_certificate()
    client = login_as(Role.PURCHASING)
    response = client.post(
        f"/suppliers/{certificate.supplier_id}/certificates/{certificate.id}/edit",
        data={"version": "1", "number": "IS-1A", "issuer": "BSI", "valid_until": "2028-02-29",
              "evidence": (io.BytesIO(PDF), "renewed.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(certificate)
    assert (certificate.number, certificate.issuer, certificate.valid_until) == ("IS-1A", "BSI", date(2028, 2, 29))
    assert certificate.evidence_file is not None and certificate.evidence_file.original_name == "renewed.pdf"
    assert certificate.version == 2
    changed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "certificate", AuditEvent.entity_id == str(certificate.id))
    ).all()
    assert any("valid_until" in str(event.changes) for event in changed)


def test_an_edit_made_on_an_older_version_is_refused_and_changes_nothing(login_as, editor):
    certificate = approved_with_certificate()
    services.edit_certificate(certificate, expected_version=1, number="IS-2", issuer="TÜV", valid_until=DAY, by=editor)
    db.session.commit()
    response = login_as(Role.QA).post(
        f"/suppliers/{certificate.supplier_id}/certificates/{certificate.id}/edit",
        data={"version": "1", "number": "OLD", "issuer": "Old", "valid_until": "2030-01-01"},
    )
    assert response.status_code == 409
    db.session.refresh(certificate)
    assert certificate.number == "IS-2"
    with pytest.raises(StaleEdit):
        services.edit_certificate(certificate, expected_version=1, number="X", issuer="", valid_until=DAY, by=editor)


def test_void_needs_a_reason_and_keeps_the_certificate_struck_through(login_as, editor):
    certificate = approved_with_certificate()
    client = login_as(Role.PURCHASING)
    url = f"/suppliers/{certificate.supplier_id}/certificates/{certificate.id}/void"
    no_reason = client.post(url, data={"version": "1", "reason": "  "})
    assert no_reason.status_code == 422 and "Give the reason" in no_reason.get_data(as_text=True)
    assert client.post(url, data={"version": "1", "reason": "Entered for the wrong supplier"}).status_code == 302

    db.session.refresh(certificate)
    assert certificate.is_voided and certificate.void_reason == "Entered for the wrong supplier"
    assert db.session.get(Certificate, certificate.id) is not None  # kept, never deleted
    [voided] = events("certificate.voided")
    assert voided.reason == "Entered for the wrong supplier"
    page = client.get(f"/suppliers/{certificate.supplier_id}").get_data(as_text=True)
    assert 'class="voided"' in page and "<del>IS-1</del>" in page and "Entered for the wrong supplier" in page


def test_a_voided_certificate_is_frozen(editor):
    certificate = approved_with_certificate()
    services.void_certificate(certificate, expected_version=1, reason="Withdrawn by the issuer", by=editor)
    db.session.commit()
    with pytest.raises(Conflict):
        services.edit_certificate(certificate, expected_version=certificate.version, number="X", issuer="",
                                  valid_until=DAY, by=editor)
    with pytest.raises(Conflict):
        services.void_certificate(certificate, expected_version=certificate.version, reason="again", by=editor)
    with pytest.raises(ValidationFailed):
        services.void_certificate(approved_with_other(), expected_version=1, reason="", by=editor)


def test_changing_a_voided_certificate_through_the_pages_is_the_409_page(login_as, editor):
    certificate = approved_with_certificate()
    services.void_certificate(certificate, expected_version=1, reason="Withdrawn by the issuer", by=editor)
    db.session.commit()
    client = login_as(Role.PURCHASING)
    base = f"/suppliers/{certificate.supplier_id}/certificates/{certificate.id}"
    version = str(certificate.version)
    voided_again = client.post(f"{base}/void", data={"version": version, "reason": "again"})
    edited = client.post(f"{base}/edit", data={"version": version, "number": "X", "issuer": "", "valid_until": "2030-01-01"})
    for response, message in ((voided_again, "already voided"), (edited, "can no longer be changed")):
        assert response.status_code == 409 and message in response.get_data(as_text=True)
    db.session.refresh(certificate)
    assert (certificate.number, certificate.void_reason) == ("IS-1", "Withdrawn by the issuer")


def approved_with_other() -> Certificate:
    supplier = make_supplier("B-1", "Beta", status="approved")
    return make_certificate(supplier, DAY, number="B-1")


def test_a_voided_certificate_leaves_the_approved_list_expiry_warnings_and_reminders(app, login_as, editor):
    certificate = approved_with_certificate(DAY + timedelta(days=10))
    client = login_as(Role.AUDITOR)
    assert [c.id for c in services.certificates_expiring(on=DAY)] == [certificate.id]
    assert "ISO/IEC 27001 IS-1" in client.get("/suppliers/approved/export.csv").get_data(as_text=True)
    services.void_certificate(certificate, expected_version=1, reason="Entered in error", by=editor)
    db.session.commit()

    assert services.certificates_expiring(on=DAY) == []
    assert queue_reminders(DAY).reminders == 0
    approved = client.get("/suppliers/approved").get_data(as_text=True)
    assert "Alpha Hosting" in approved and "ISO/IEC 27001" not in approved
    export = client.get("/suppliers/approved/export.csv")
    assert export.status_code == 200 and "Alpha Hosting" in export.get_data(as_text=True)
    assert "IS-1" not in export.get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)
    assert "certificates expiring" in dashboard and "ISO/IEC 27001" not in dashboard


def test_the_edit_page_offers_the_form_void_and_history(login_as, editor):
    certificate = approved_with_certificate()
    page = login_as(Role.PURCHASING).get(
        f"/suppliers/{certificate.supplier_id}/certificates/{certificate.id}/edit").get_data(as_text=True)
    assert "Save certificate" in page and "Reason for voiding" in page and 'value="IS-1"' in page


def test_a_certificate_of_another_supplier_is_not_found(login_as, editor):
    certificate = approved_with_certificate()
    other = make_supplier("Z-9", "Zeta")
    db.session.commit()
    client = login_as(Role.PURCHASING)
    assert client.get(f"/suppliers/{other.id}/certificates/{certificate.id}/edit").status_code == 404


def test_a_renewed_certificate_ends_the_expiry_warning_and_the_expired_one_leaves_the_approved_list(login_as, editor):
    """The renewal (same standard, valid past the warning window) answers the warning: the expired certificate is no
    task, reminder or line of the approved list any more; an expired one without a renewal stays, flagged."""
    expired = approved_with_certificate(date.today() - timedelta(days=5))
    other = make_certificate(expired.supplier, date.today() - timedelta(days=3), standard="ISO 9001", number="QM-1")
    db.session.commit()
    assert {c.id for c in services.certificates_expiring()} == {expired.id, other.id}
    renewal = make_certificate(expired.supplier, date.today() + timedelta(days=3 * 365), standard="ISO/IEC 27001",
                               number="IS-2")
    db.session.commit()
    assert [c.id for c in services.certificates_expiring()] == [other.id]
    assert services.certificates_expiring_counts() == (1, 1)
    assert queue_reminders(date.today()).reminders == 1
    client = login_as(Role.AUDITOR)
    export = client.get("/suppliers/approved/export.csv").get_data(as_text=True)
    assert f"ISO/IEC 27001 IS-2 ({renewal.valid_until.isoformat()})" in export and "IS-1" not in export
    assert "QM-1" in export  # expired, not renewed: still listed
    page = client.get("/suppliers/approved").get_data(as_text=True)
    assert page.count("ISO/IEC 27001") == 1
