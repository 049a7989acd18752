"""A supplier's page shows each sub-record list a page at a time (RECORD_SUBLIST_SIZE rows): a supplier with
hundreds of certificates, events, purchases, contacts or evaluations renders with the same queries as one with a
few, and each section pages on its own without losing the others' pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import insert

from app.access import Role
from app.extensions import db
from app.questionnaires.models import Evaluation
from app.suppliers.models import Certificate, PerformanceEvent, PurchaseRecord, SupplierContact
from tests.helpers import captured_sql
from tests.questionnaires.factories import commercial_template
from tests.suppliers.factories import make_supplier

SIZE = 20  # the default RECORD_SUBLIST_SIZE


def add_sub_records(supplier_id: int, count: int, start: int = 0) -> None:
    numbers = range(start, start + count)
    day = date(2026, 6, 1)
    template_id = commercial_template().id
    db.session.execute(insert(Certificate), [
        {"supplier_id": supplier_id, "standard": "ISO 9001", "number": f"Q-{n:03d}", "issuer": "TÜV",
         "valid_until": day + timedelta(days=n), "version": 1} for n in numbers])
    db.session.execute(insert(PerformanceEvent), [
        {"supplier_id": supplier_id, "occurred_on": day - timedelta(days=n), "type": "defect", "severity": "low",
         "reference": f"BUG-{n:03d}"} for n in numbers])
    db.session.execute(insert(PurchaseRecord), [
        {"supplier_id": supplier_id, "reference": f"PO-{n:03d}", "product": "Widget", "version": 1} for n in numbers])
    db.session.execute(insert(SupplierContact), [
        {"supplier_id": supplier_id, "name": f"Contact {n:03d}", "email": f"c{n}@example.com"} for n in numbers])
    db.session.execute(insert(Evaluation), [
        {"supplier_id": supplier_id, "template_id": template_id, "reference": f"EV-{supplier_id}-{n:03d}",
         "status": "cancelled", "version": 1} for n in numbers])
    db.session.commit()


def statements_for(client, url: str) -> int:
    with captured_sql() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_each_sub_list_shows_one_page_with_its_count(login_as):
    client = login_as(Role.QA)
    supplier = make_supplier("S-1", "Sub Lists Ltd", status="approved")
    add_sub_records(supplier.id, 45)
    html = client.get(f"/suppliers/{supplier.id}").get_data(as_text=True)
    for section in ("Contacts", "Certificates", "Performance", "Purchases"):
        assert f"{section} (45)" in html, section
    assert html.count("<td>Q-0") == SIZE and "Q-000" in html and "Q-020" not in html  # soonest expiry first
    assert html.count("BUG-0") == SIZE and "BUG-000" in html  # latest first
    assert html.count("PO-0") == SIZE and "PO-044" in html  # newest first
    assert html.count("<tr><td>Contact 0") == SIZE
    assert html.count(f"EV-{supplier.id}-0") == SIZE and f"EV-{supplier.id}-044" in html
    assert html.count("1–20 of 45") == 5


def test_a_section_pages_on_its_own_and_keeps_the_other_sections_pages(login_as):
    client = login_as(Role.QA)
    supplier = make_supplier("S-1", "Sub Lists Ltd", status="approved")
    add_sub_records(supplier.id, 45)
    html = client.get(f"/suppliers/{supplier.id}?performance_page=2&certificates_page=3").get_data(as_text=True)
    assert html.count("<td>Q-0") == 5 and "Q-044" in html and "41–45 of 45" in html
    assert "BUG-020" in html and "BUG-000" not in html and "21–40 of 45" in html
    assert "PO-044" in html  # the purchases stay on their first page
    links = {link.replace("&amp;", "&") for link in re.findall(r'href="([^"]*certificates_page=2[^"]*)"', html)}
    assert links and all("performance_page=2" in link and link.endswith("#certificates") for link in links)


def test_the_page_runs_the_same_queries_for_5_or_200_sub_records(login_as):
    client = login_as(Role.QA)
    few, many = make_supplier("S-1", "Few Ltd", status="approved"), make_supplier("S-2", "Many Ltd", status="approved")
    add_sub_records(few.id, 21)  # more than a page: each list counts, as the big one does
    add_sub_records(many.id, 200)
    assert statements_for(client, f"/suppliers/{many.id}") == statements_for(client, f"/suppliers/{few.id}")
