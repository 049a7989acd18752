"""The approved supplier list: approved and conditional suppliers only, every column, filters and exports."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.suppliers.models import Supplier
from app.suppliers.services import ASL_COLUMNS
from tests.suppliers.factories import make_certificate, make_supplier


def seed(make_user):
    qa = make_user("quinn", Role.QA, full_name="Quinn Quality")
    approved = make_supplier("A-1", "Alpha Hosting", kind="cloud_provider", status="approved", criticality="critical",
                             approval_scope="EU hosting of the backend", approved_at=datetime(2026, 1, 10, 9, 0),
                             approved_by_id=qa.id, next_reevaluation_due=date(2027, 1, 10))
    make_certificate(approved, date(2027, 3, 1), standard="ISO/IEC 27001", number="IS-1")
    make_supplier("B-1", "Beta Widgets", status="conditionally_approved", conditions="Fix CVE within 30 days",
                  approved_by_id=qa.id, next_reevaluation_due=date(2026, 7, 10))
    make_supplier("C-1", "Gamma Candidate", status="candidate")
    make_supplier("D-1", "Delta Suspended", status="suspended")
    db.session.commit()


def test_only_approved_and_conditional_suppliers_are_listed_with_their_facts(login_as, make_user):
    seed(make_user)
    page = login_as(Role.AUDITOR).get("/suppliers/approved").get_data(as_text=True)
    assert "Alpha Hosting" in page and "Beta Widgets" in page
    assert "Gamma Candidate" not in page and "Delta Suspended" not in page
    for fact in ("EU hosting of the backend", "Fix CVE within 30 days", "ISO/IEC 27001: 2027-03-01", "2027-01-10",
                 "Quinn Quality"):
        assert fact in page


def test_filters_narrow_the_list(login_as, make_user):
    seed(make_user)
    client = login_as(Role.AUDITOR)
    page = client.get("/suppliers/approved?status=conditionally_approved").get_data(as_text=True)
    assert "Beta Widgets" in page and "Alpha Hosting" not in page
    page = client.get("/suppliers/approved?kind=cloud_provider&q=alpha").get_data(as_text=True)
    assert "Alpha Hosting" in page and "Beta Widgets" not in page
    page = client.get("/suppliers/approved?status=candidate").get_data(as_text=True)
    assert "Gamma Candidate" not in page  # an unknown status filter never widens the list


def test_exports_hold_every_column(login_as, make_user):
    seed(make_user)
    client = login_as(Role.QA)
    rows = list(csv.reader(io.StringIO(client.get("/suppliers/approved/export.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == list(ASL_COLUMNS)
    alpha = next(row for row in rows if row[1] == "Alpha Hosting")
    assert alpha[5] == "EU hosting of the backend"
    assert alpha[9] == "ISO/IEC 27001 IS-1 (2027-03-01)"
    assert alpha[12] == "Quinn Quality"
    assert len(rows) == 3
    sheet = load_workbook(io.BytesIO(client.get("/suppliers/approved/export.xlsx").data)).active
    assert list(next(sheet.values)) == list(ASL_COLUMNS)


def test_the_last_decided_evaluation_gives_score_and_date(login_as, make_user):
    from app.questionnaires.models import Evaluation
    from app.questionnaires.services import ensure_default_templates

    seed(make_user)
    template = ensure_default_templates()[0]
    alpha = db.session.scalar(select(Supplier).where(Supplier.code == "A-1"))
    for reference, percentage, decided in (("EV-1", 61.0, datetime(2025, 1, 5)), ("EV-2", 82.5, datetime(2026, 1, 10))):
        db.session.add(Evaluation(supplier_id=alpha.id, template_id=template.id, status="decided", reference=reference,
                                  percentage=percentage, decided_at=decided))
    db.session.commit()
    client = login_as(Role.AUDITOR)
    page = client.get("/suppliers/approved").get_data(as_text=True)
    assert "82.5" in page and "61.0" not in page
    rows = list(csv.reader(io.StringIO(client.get("/suppliers/approved/export.csv").get_data(as_text=True).lstrip("\ufeff"))))
    alpha_row = next(row for row in rows if row[1] == "Alpha Hosting")
    assert (alpha_row[7], alpha_row[8]) == ("82.5", "2026-01-10 00:00:00")
