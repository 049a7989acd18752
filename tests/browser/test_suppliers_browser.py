"""In Chromium: purchasing registers a supplier, finds it in the filtered list and opens it; QA suspends one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.extensions import db
from app.suppliers.services import today
from tests.helpers import e_sign, fill_signature, sign_in
from tests.suppliers.factories import make_certificate, make_supplier

pytestmark = pytest.mark.browser


def test_register_a_supplier_find_it_in_the_filtered_list_and_open_it(live_server, page, make_user, screenshot):
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    make_supplier("SUP-001", "Amazon Web Services EMEA SARL", kind="cloud_provider", status="approved",
                  criticality="critical", next_reevaluation_due=today())
    make_supplier("SUP-002", "Python Software Foundation", kind="open_source_project", status="candidate")
    db.session.commit()
    sign_in(page, live_server, "pat")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Suppliers").click()
    screenshot(page, "suppliers-list")
    page.get_by_role("button", name="New supplier").click()
    page.get_by_label("Code").fill("SUP-100")
    page.get_by_label(re.compile(r"^Name")).fill("Grafana Labs")
    page.get_by_label("Kind").select_option("commercial_vendor")
    page.get_by_label("What it supplies (scope)").fill("Grafana Cloud monitoring of the production backend")
    page.get_by_label("Supplies OTSS that holds Part 11 records").check()
    page.get_by_label("Contact name").fill("Grafana support")
    page.get_by_label("Contact e-mail").fill("support@grafana.example")
    screenshot(page, "suppliers-create")
    page.get_by_role("button", name="Create supplier").click()

    expect(page.get_by_text("Supplier SUP-100 Grafana Labs created as a candidate.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Grafana Labs"))).to_be_visible()
    overview = page.locator("#overview")
    expect(overview.get_by_text("Major", exact=True)).to_be_visible()
    expect(overview.get_by_text("supplies OTSS holding Part 11 records")).to_be_visible()
    screenshot(page, "suppliers-detail")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Suppliers").click()
    page.get_by_label("Search").fill("grafana")
    page.get_by_role("button", name="Filter").click()
    table = page.get_by_role("table", name="Supplier register")
    expect(table.get_by_role("link", name="Grafana Labs")).to_be_visible()
    expect(table.get_by_role("link", name="Python Software Foundation")).to_have_count(0)
    page.get_by_label("Search").fill("")
    page.get_by_label("Status").select_option("candidate")  # autosubmits
    page.wait_for_url(re.compile(r"status=candidate"))
    expect(table.get_by_role("link", name="Amazon Web Services EMEA SARL")).to_have_count(0)
    expect(table.get_by_role("link", name="Python Software Foundation")).to_be_visible()
    screenshot(page, "suppliers-list-filtered")
    table.get_by_role("link", name="Grafana Labs").click()
    expect(page.get_by_role("heading", name=re.compile("Grafana Labs"))).to_be_visible()


def test_qa_suspends_an_approved_supplier_with_a_signature_and_sees_the_due_list(live_server, page, make_user, screenshot):
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    supplier = make_supplier("SUP-001", "Amazon Web Services EMEA SARL", kind="cloud_provider", status="approved",
                             criticality="critical", next_reevaluation_due=today())
    make_certificate(supplier, today())
    db.session.commit()
    sign_in(page, live_server, "quinn")
    expect(page.get_by_role("heading", name="Supplier qualification")).to_be_visible()
    screenshot(page, "suppliers-dashboard-panel")
    page.locator(".suppliers-panel").get_by_role("link", name="Amazon Web Services EMEA SARL").first.click()

    page.get_by_text("Change status (signed)").click()
    page.get_by_label("Status change").select_option("suspend")
    page.get_by_label("Reason").fill("Unannounced change of the data processing region")
    fill_signature(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign status change").click()
    expect(page.get_by_text("is now suspended; your signature was recorded")).to_be_visible()
    signatures = page.get_by_role("region", name="Signatures")
    expect(signatures.get_by_text("Quinn Quality")).to_be_visible()
    screenshot(page, "suppliers-suspended-signed")


def test_purchasing_writes_a_purchase_record_for_an_approved_supplier_and_qa_signs_its_adequacy(
    live_server, page, browser, make_user, screenshot
):
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    supplier = make_supplier("SUP-004", "Atlassian Pty Ltd", status="approved", criticality="major",
                             approval_scope="Jira Cloud", next_reevaluation_due=today())
    make_certificate(supplier, today(), standard="ISO/IEC 27001", number="ISMS-1")
    db.session.commit()
    sign_in(page, live_server, "pat")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Approved list").click()
    expect(page.get_by_role("table", name="Approved suppliers").get_by_role("link", name="Atlassian Pty Ltd")).to_be_visible()
    screenshot(page, "suppliers-approved-list")
    page.get_by_role("link", name="Atlassian Pty Ltd").click()
    page.get_by_role("button", name="New purchase record").click()
    page.get_by_label("Order reference").fill("PO-2026-014")
    page.get_by_label(re.compile(r"^Product")).fill("Jira Software Cloud Premium")
    page.get_by_label("Version", exact=True).fill("Cloud")
    page.get_by_label("Acceptance criteria").fill("SSO works; project template imported")
    page.get_by_label("Change notification agreed with the supplier").check()
    page.get_by_role("button", name="Create purchase record").click()
    expect(page.get_by_text("Waiting for QA's adequacy review")).to_be_visible()

    qa_context = browser.new_context()
    qa_page = qa_context.new_page()
    sign_in(qa_page, live_server, "quinn")
    qa_page.goto(page.url)
    e_sign(qa_page, "Sign adequacy review")
    expect(qa_page.get_by_text("Adequacy review signed")).to_be_visible()
    screenshot(qa_page, "suppliers-purchase-reviewed")
    qa_context.close()


def test_a_refused_form_gives_the_focus_to_its_first_field_in_error(live_server, page, make_user):
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    sign_in(page, live_server, "pat")
    page.goto(f"{live_server}/suppliers/new")
    page.get_by_label("Code").fill("SUP-100")
    page.get_by_role("button", name="Create supplier").click()  # no name: refused

    name = page.get_by_label(re.compile(r"^Name"))
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_focused()  # a keyboard user lands on what to correct, not at the top of the page
