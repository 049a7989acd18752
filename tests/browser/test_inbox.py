"""In Chromium: QA opens My tasks and finds the approved supplier list snapshot purchasing generated and the SOUP list
an engineer prepared; the navigation shows how many tasks wait; each entry leads to the form where QA signs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.documents import services as documents
from app.extensions import db
from app.inventory import services as inventory
from app.suppliers.models import Supplier
from tests.helpers import PASSWORD, sign_in
from tests.inventory.gated import gated_release

pytestmark = pytest.mark.browser


def test_qa_finds_a_snapshot_and_a_release_to_sign_in_my_tasks_and_each_leads_to_its_signing_form(
        live_server, page, make_user, screenshot):
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    erin = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    db.session.add(Supplier(code="SUP-020", name="Acme Tools", kind="commercial_vendor", status="approved"))
    db.session.commit()
    snapshot = documents.generate("approved_supplier_list", "current", by=pat)
    release = gated_release(erin)
    inventory.author_release(release, erin, password=PASSWORD)
    db.session.commit()

    sign_in(page, live_server, "quinn")
    expect(page.locator("#tasks-panel-title")).to_contain_text("Waiting for you")
    badge = page.locator(".main-nav .nav-count")
    expect(badge).to_have_text(re.compile(r"^\d+$"))
    page.get_by_role("link", name=re.compile(r"^My tasks")).click()
    page.wait_for_url(f"{live_server}/inbox")
    expect(page.locator("#tasks-documents-approve")).to_contain_text("Documents to approve")
    expect(page.locator("#tasks-inventory-freeze")).to_contain_text("SOUP lists to approve and freeze")
    screenshot(page, "inbox-qa")

    page.get_by_role("link", name=f"Approved supplier list · {snapshot.number} rev 1").click()
    page.wait_for_url(re.compile(rf"/documents/{snapshot.id}#approve$"))
    expect(page.get_by_role("button", name="Sign and approve")).to_be_visible()

    page.go_back()
    page.get_by_role("link", name="Pump 1.0").click()
    page.wait_for_url(re.compile(rf"/releases/{release.id}#freeze$"))
    freeze = page.locator("form[action$='/freeze']")
    freeze.wait_for()
    expect(freeze.get_by_role("button", name="Freeze and sign")).to_be_visible()
    screenshot(page, "inbox-qa-freeze-form")
