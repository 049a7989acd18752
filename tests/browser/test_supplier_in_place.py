"""In Chromium: purchasing adds two contacts, a certificate with its file and a performance event on the supplier's
page, each in place (no reload; the add form stays open, its first field focused)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.extensions import db
from tests.helpers import htmx_settled, sign_in
from tests.suppliers.factories import make_supplier

pytestmark = pytest.mark.browser


def test_contacts_certificates_and_events_are_added_in_place(live_server, page, make_user, screenshot, tmp_path):
    make_user("paula", Role.PURCHASING, full_name="Paula Purchasing")
    supplier_id = make_supplier().id
    db.session.commit()
    sign_in(page, live_server, "paula")
    page.goto(f"{live_server}/suppliers/{supplier_id}")
    page.evaluate("window.__inPlace = true")

    contacts = page.locator("#contacts-body")
    contacts.get_by_text("Add a contact").click()
    for name in ("Ada Lovelace", "Grace Hopper"):
        page.locator("#name").fill(name)
        page.locator("#email").fill(name.split()[0].lower() + "@example.com")
        contacts.get_by_role("button", name="Add contact").click()
        expect(page.locator("#contacts-body").get_by_text(f"Contact {name} added.")).to_be_visible()
        expect(page.locator("#name")).to_be_focused()
    expect(contacts.locator("tbody tr")).to_have_count(2)

    evidence = tmp_path / "iso13485.pdf"
    evidence.write_bytes(b"%PDF-1.7\n%certificate\n")
    certificates = page.locator("#certificates-body")
    certificates.get_by_text("Add a certificate").click()
    certificates.get_by_label("Standard").select_option("ISO 13485")
    certificates.get_by_label("Certificate number").fill("Q-1")
    certificates.get_by_label("Issuer").fill("TÜV")
    certificates.get_by_label("Valid until").fill("2030-01-31")
    certificates.locator("input[type=file]").set_input_files(str(evidence))
    certificates.get_by_role("button", name="Add certificate").click()
    expect(certificates.get_by_text("Certificate added.")).to_be_visible()
    expect(certificates.get_by_role("link", name="iso13485.pdf")).to_be_visible()
    htmx_settled(page)  # the certificate form, kept open, takes the focus when the fragment settles

    events = page.locator("#performance-body")
    events.get_by_text("Record a performance event").click()
    events.get_by_label("Date").fill("2026-06-01")
    events.get_by_label("Reference").fill("BUG-7")
    events.get_by_role("button", name="Record event").click()
    expect(events.get_by_text("Performance event recorded.")).to_be_visible()
    expect(events.get_by_role("cell", name="BUG-7")).to_be_visible()
    assert page.evaluate("window.__inPlace === true"), "the page was reloaded"
    screenshot(page, "supplier-sub-records-in-place")
