"""In Chromium: purchasing generates an approved supplier list snapshot from the live page, lands on
the document's page, and QA approves it there; the register shows the signed badge and manifestation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.access import Role
from tests.helpers import e_sign, sign_in

pytestmark = pytest.mark.browser


def test_generate_a_snapshot_and_qa_approves_it(live_server, page, make_user, screenshot):
    page.on("dialog", lambda dialog: dialog.accept())
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    base = live_server

    sign_in(page, base, "pat")
    page.goto(f"{base}/suppliers/approved")
    page.get_by_role("button", name="Generate snapshot").click()
    page.wait_for_url(re.compile(r"/documents/\d+$"))
    expect(page.get_by_text("Not approved")).to_be_visible()
    expect(page.get_by_role("button", name="Sign and approve")).to_have_count(0)
    url = page.url

    sign_in(page, base, "quinn")
    page.goto(url)
    e_sign(page, "Sign and approve", comment="List checked against the register")
    expect(page.get_by_text("Document approved. The file is unchanged")).to_be_visible()
    expect(page.locator(".signatures")).to_contain_text("Quinn Quality")
    screenshot(page, "document-signed-detail")

    page.goto(f"{base}/documents/")
    expect(page.locator("td .badge-signed")).to_have_text("Signed")
    expect(page.locator(".signature-manifestation")).to_contain_text("Quinn Quality")
    screenshot(page, "document-signed-register")
