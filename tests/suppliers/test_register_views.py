"""The register pages: create, edit (stale edits refused), filters, sorting, exports, certificates, status changes."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import select, update

from app.access import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.signatures.models import Signature
from app.suppliers import services
from app.suppliers.models import Certificate, Supplier
from app.suppliers.services import EXPORT_COLUMNS, today
from tests.helpers import signing
from tests.suppliers.factories import make_supplier
from tests.test_storage import PDF

NEW = {
    "code": "SUP-100", "name": "Postgres Global Development Group", "kind": "open_source_project",
    "website": "https://www.postgresql.org", "scope": "PostgreSQL database server (runtime SOUP)",
    "supplies_soup_class_c": "y", "manual_criticality": "", "criticality_rationale": "",
    "contact_name": "Security team", "contact_email": "security@postgresql.org", "contact_role": "security",
}


def test_purchasing_creates_a_candidate_with_the_default_criticality(login_as):
    client = login_as(Role.PURCHASING)
    response = client.post("/suppliers/new", data=NEW)
    assert response.status_code == 302
    supplier = db.session.scalars(select(Supplier)).one()
    assert (supplier.status, supplier.criticality, supplier.criticality_is_manual) == ("candidate", "critical", False)
    assert "class C" in supplier.criticality_rationale
    assert [c.email for c in supplier.contacts] == ["security@postgresql.org"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Postgres Global Development Group" in page and "security@postgresql.org" in page


def test_a_duplicate_code_or_a_manual_criticality_without_rationale_is_refused_and_keeps_the_input(login_as):
    make_supplier("SUP-100")
    client = login_as(Role.PURCHASING)
    response = client.post("/suppliers/new", data=NEW)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "already used" in page and "Postgres Global Development Group" in page
    response = client.post("/suppliers/new", data={**NEW, "code": "SUP-101", "manual_criticality": "minor"})
    assert response.status_code == 422 and "needs a rationale" in response.get_data(as_text=True)


def test_a_stale_edit_gets_409_and_changes_nothing(login_as):
    supplier = make_supplier("SUP-1", "Old name")
    db.session.commit()
    client = login_as(Role.QA)
    stale_version = supplier.version
    form = {"code": "SUP-1", "name": "First edit", "kind": "commercial_vendor", "manual_criticality": "", "version": stale_version}
    assert client.post(f"/suppliers/{supplier.id}/edit", data=form).status_code == 302
    response = client.post(f"/suppliers/{supplier.id}/edit", data={**form, "name": "Second edit"})
    assert response.status_code == 409
    assert db.session.get(Supplier, supplier.id).name == "First edit"


def test_a_save_that_loses_the_race_to_a_concurrent_one_gets_409_and_changes_nothing(login_as, monkeypatch):
    supplier = make_supplier("SUP-1", "Old name")
    db.session.commit()
    form = {"code": "SUP-1", "name": "Mine", "kind": "commercial_vendor", "manual_criticality": "", "version": supplier.version}
    real_update = services.update_supplier

    def update_after_a_concurrent_save(target, data, **kwargs):
        # Another request saved the row after this one read it: our versioned UPDATE then matches no row.
        db.session.execute(update(Supplier).where(Supplier.id == target.id).values(version=Supplier.version + 1))
        real_update(target, data, **kwargs)

    monkeypatch.setattr(services, "update_supplier", update_after_a_concurrent_save)
    response = login_as(Role.QA).post(f"/suppliers/{supplier.id}/edit", data=form)
    assert response.status_code == 409 and "Someone else changed this record" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Supplier, supplier.id).name == "Old name"


def test_people_creating_the_same_supplier_at_the_same_moment_get_one_supplier_and_a_message_never_a_500(login_as):
    """Eight people press Create with one code at once. On PostgreSQL every request passes the uniqueness check
    before any commits (11 of 12 got 500 before); the losers' work runs again and its check refuses the code."""
    clients = [login_as(Role.PURCHASING, username=f"buyer{n}") for n in range(8)]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def create(client) -> None:
        start.wait()
        statuses.append(client.post("/suppliers/new", data=NEW).status_code)

    threads = [threading.Thread(target=create, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [302] + [422] * 7
    db.session.expire_all()
    assert db.session.scalars(select(Supplier.code)).all() == ["SUP-100"]


def test_list_filters_and_search(login_as):
    make_supplier("A-1", "Alpha Cloud", kind="cloud_provider", status="approved", criticality="critical",
                  next_reevaluation_due=today() - timedelta(days=3))
    make_supplier("B-2", "Beta Libs", kind="open_source_project", status="approved", criticality="minor",
                  next_reevaluation_due=today() + timedelta(days=10), scope="JSON parser")
    make_supplier("C-3", "Gamma Tools", status="candidate", criticality="major",
                  next_reevaluation_due=today() + timedelta(days=400))
    db.session.commit()
    client = login_as(Role.AUDITOR)

    def names(query: str) -> list[str]:
        page = client.get(f"/suppliers/?{query}").get_data(as_text=True)
        return [name for name in ("Alpha Cloud", "Beta Libs", "Gamma Tools") if name in page]

    assert names("") == ["Alpha Cloud", "Beta Libs", "Gamma Tools"]
    assert names("status=candidate") == ["Gamma Tools"]
    assert names("kind=cloud_provider") == ["Alpha Cloud"]
    assert names("criticality=minor") == ["Beta Libs"]
    assert names("due=overdue") == ["Alpha Cloud"]
    assert names("due=due_soon") == ["Alpha Cloud", "Beta Libs"]
    assert names("q=json") == ["Beta Libs"]
    assert names("q=c-3") == ["Gamma Tools"]
    assert names("q=100%25") == []
    assert names("status=bogus") == ["Alpha Cloud", "Beta Libs", "Gamma Tools"]


def test_sorting_by_criticality_and_next_due(login_as):
    make_supplier("A", "Minor one", criticality="minor", next_reevaluation_due=date(2030, 1, 1))
    make_supplier("B", "Critical one", criticality="critical", next_reevaluation_due=date(2031, 1, 1))
    make_supplier("C", "Major one", criticality="major")
    db.session.commit()
    client = login_as(Role.AUDITOR)
    page = client.get("/suppliers/?sort=criticality").get_data(as_text=True)
    assert page.index("Critical one") < page.index("Major one") < page.index("Minor one")
    page = client.get("/suppliers/?sort=next_due&direction=asc").get_data(as_text=True)
    assert page.index("Minor one") < page.index("Critical one") < page.index("Major one")


def test_csv_export_has_every_column_and_defuses_formulas(login_as):
    make_supplier("X-1", "=HYPERLINK(\"http://evil\")", scope="+cmd|' /C calc'!A0", status="candidate")
    db.session.commit()
    client = login_as(Role.AUDITOR)
    response = client.get("/suppliers/export.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset once, not twice
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [label for _key, label in EXPORT_COLUMNS]
    # The approver by name, not id; the name key is the name reduced for the near-duplicate search.
    exported = {key for key, _label in EXPORT_COLUMNS} | {"approved_by_id", "name_key"}
    assert {column.name for column in Supplier.__table__.columns} <= exported
    assert rows[1][2].startswith("'=") and rows[1][15].startswith("'+")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.name == "suppliers.exported")) is not None


def test_xlsx_export_follows_the_filters(login_as):
    make_supplier("A-1", "Alpha", status="approved")
    make_supplier("B-1", "Beta", status="candidate")
    db.session.commit()
    client = login_as(Role.QA)
    response = client.get("/suppliers/export.xlsx?status=approved")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0][1:3] == ("Code", "Name")
    assert [row[2] for row in values[1:]] == ["Alpha"]
    assert client.get("/suppliers/export.exe").status_code == 404


def test_a_certificate_with_evidence_is_stored_and_downloaded_by_id(login_as):
    supplier = make_supplier("C-1", "Cert Corp")
    db.session.commit()
    client = login_as(Role.PURCHASING)
    response = client.post(f"/suppliers/{supplier.id}/certificates", data={
        "standard": "ISO 13485", "number": "QS 123", "issuer": "BSI", "valid_until": "2027-01-31",
        "evidence": (io.BytesIO(PDF), "../../scan.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    certificate = db.session.scalars(select(Certificate)).one()
    assert certificate.evidence_file.original_name == "scan.pdf"
    download = client.get(f"/suppliers/{supplier.id}/certificates/{certificate.id}/evidence")
    assert download.data == PDF
    assert 'filename="C-1-ISO 13485-QS 123.pdf"' in download.headers["Content-Disposition"]
    other = make_supplier("C-2", "Other")
    db.session.commit()
    assert client.get(f"/suppliers/{other.id}/certificates/{certificate.id}/evidence").status_code == 404


def test_a_fake_pdf_is_refused_with_a_message_and_nothing_is_saved(login_as):
    supplier = make_supplier("C-1", "Cert Corp")
    db.session.commit()
    client = login_as(Role.PURCHASING)
    response = client.post(f"/suppliers/{supplier.id}/certificates", data={
        "standard": "SOC 2", "number": "S-9", "valid_until": "2027-01-31",
        "evidence": (io.BytesIO(b"MZ\x90 windows exe"), "report.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "not a valid .pdf" in page and 'value="S-9"' in page
    assert db.session.scalars(select(Certificate)).all() == []


def test_a_high_severity_event_brings_the_reevaluation_forward(login_as):
    supplier = make_supplier("E-1", "Eventful", status="approved", next_reevaluation_due=date(2030, 1, 1))
    db.session.commit()
    client = login_as(Role.PURCHASING)
    response = client.post(f"/suppliers/{supplier.id}/events", data={
        "occurred_on": today().isoformat(), "type": "security_advisory", "severity": "high", "reference": "CVE-2026-1",
    })
    assert response.status_code == 302
    assert db.session.get(Supplier, supplier.id).next_reevaluation_due == today()


def test_qa_suspends_an_approved_supplier_with_a_signature(login_as):
    supplier = make_supplier("S-1", "Suspect", status="approved")
    db.session.commit()
    client = login_as(Role.QA, username="quinn")
    wrong = client.post(f"/suppliers/{supplier.id}/status", data={
        "action": "suspend", "reason": "Unannounced change", **signing(client, password="wrong"),
    })
    assert wrong.status_code == 422 and "password is not correct" in wrong.get_data(as_text=True)
    assert db.session.get(Supplier, supplier.id).status == "approved"
    response = client.post(f"/suppliers/{supplier.id}/status", data={
        "action": "suspend", "reason": "Unannounced change", **signing(client),
    })
    assert response.status_code == 302
    assert db.session.get(Supplier, supplier.id).status == "suspended"
    signature = db.session.scalars(select(Signature)).one()
    assert (signature.entity_type, signature.meaning) == ("supplier", "approved")
    refused = client.post(f"/suppliers/{supplier.id}/status", data={
        "action": "suspend", "reason": "again", **signing(client),
    })
    assert refused.status_code == 422  # suspend is not offered from suspended


def test_the_detail_page_shows_every_section(login_as):
    supplier = make_supplier("D-1", "Detailed", status="approved")
    db.session.commit()
    page = login_as(Role.QA).get(f"/suppliers/{supplier.id}").get_data(as_text=True)
    for anchor in ("overview", "contacts", "evaluations", "certificates", "performance", "purchases", "signatures", "history"):
        assert f'id="{anchor}"' in page
    assert "Change status (signed)" in page


def test_every_page_renders_for_the_people_who_use_it(login_as, make_user):
    from app.suppliers import services as supplier_services

    buyer = make_user("buyer", Role.PURCHASING)
    supplier = make_supplier("R-1", "Render Ltd", status="approved")
    purchase = supplier_services.create_purchase(supplier, supplier_services.PurchaseInput(product="Thing"), by=buyer)
    db.session.commit()
    for role in (Role.QA, Role.AUDITOR):
        client = login_as(role, username=f"render_{role}")
        for url in ("/suppliers/", f"/suppliers/{supplier.id}", "/suppliers/approved", "/suppliers/purchases",
                    f"/suppliers/purchases/{purchase.id}", "/suppliers/?sort=next_due&direction=desc&page=3"):
            assert client.get(url).status_code == 200, (role, url)
    qa = login_as(Role.QA, username="render_qa_editor")
    for url in ("/suppliers/new", f"/suppliers/{supplier.id}/edit"):
        assert qa.get(url).status_code == 200, url
    pat = login_as(Role.PURCHASING, username="render_buyer")
    for url in (f"/suppliers/{supplier.id}/purchases/new", f"/suppliers/purchases/{purchase.id}/edit"):
        assert pat.get(url).status_code == 200, url


def test_disqualifying_is_signed_as_rejected(login_as):
    supplier = make_supplier("S-9", "Bad Actor", status="suspended")
    db.session.commit()
    client = login_as(Role.QA)
    response = client.post(f"/suppliers/{supplier.id}/status",
                           data={"action": "disqualify", "reason": "Repeated unannounced changes", **signing(client)})
    assert response.status_code == 302
    assert db.session.scalars(select(Signature.meaning)).one() == "rejected"
    assert db.session.get(Supplier, supplier.id).status == "disqualified"
