"""In Chromium: what purchasing types into a new supplier is kept as a draft on the server; leaving the page and
coming back offers it again, and restoring fills the form; creating the supplier drops the draft."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.drafts.models import FormDraft
from app.extensions import db
from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def test_a_long_form_is_kept_as_a_draft_and_offered_back(live_server, page, make_user, screenshot):
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    db.session.close()
    sign_in(page, live_server, "pat")
    page.goto(f"{live_server}/suppliers/new")
    page.locator("#code").fill("SUP-888")
    page.locator("#name").fill("Draft Devices Ltd")
    page.get_by_label("What it supplies (scope)").fill("Half an hour of notes on the supplier's scope")
    expect(page.locator(".draft-status")).to_contain_text("Draft kept at")

    page.goto(f"{live_server}/suppliers/")
    page.goto(f"{live_server}/suppliers/new")
    offer = page.locator(".draft-offer")
    expect(offer).to_contain_text("You have unsaved changes to this form")
    screenshot(page, "drafts-offer")
    offer.get_by_role("button", name="Restore them").click()
    expect(page.locator("#name")).to_have_value("Draft Devices Ltd")
    expect(page.get_by_label("What it supplies (scope)")).to_have_value("Half an hour of notes on the supplier's scope")

    page.get_by_role("button", name="Create supplier").click()
    expect(page.get_by_role("heading", name=re.compile("Draft Devices Ltd"))).to_be_visible()
    assert db.session.scalar(db.select(db.func.count(FormDraft.id))) == 0  # dropped by the saving request itself
    db.session.close()
