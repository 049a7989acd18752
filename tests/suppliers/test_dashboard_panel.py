"""The home page shows supplier re-evaluations due, expiring certificates and waiting evaluations."""

from __future__ import annotations

from datetime import timedelta

from app.access import Role
from app.extensions import db
from app.suppliers.services import today
from tests.suppliers.factories import make_certificate, make_supplier


def test_the_home_page_counts_and_links_what_is_due(login_as):
    overdue = make_supplier("A", "Overdue Ltd", status="approved", next_reevaluation_due=today() - timedelta(days=2))
    make_supplier("B", "Far Ltd", status="approved", next_reevaluation_due=today() + timedelta(days=200))
    make_certificate(overdue, today() - timedelta(days=1))
    db.session.commit()
    page = login_as(Role.PURCHASING).get("/").get_data(as_text=True)
    assert "Supplier qualification" in page
    assert "Overdue Ltd" in page and "Far Ltd" not in page
    assert "1 overdue" in page and "1 expired" in page
    assert 'data-values="1|0|1|0|0|0"' in page
    assert "js/suppliers_panel.js" in page and "<script>" not in page


def test_the_panel_says_when_nothing_is_due(login_as):
    page = login_as(Role.AUDITOR).get("/").get_data(as_text=True)
    assert "Nothing due, expiring or waiting." in page
