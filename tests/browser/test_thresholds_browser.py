"""In Chromium: QA changes a draft template's decision thresholds, a bad pair is refused, the preview shows them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.extensions import db
from app.questionnaires import services
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_qa_sets_the_thresholds_of_a_draft_template(live_server, page, make_user, screenshot):
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    template = services.create_template("Cloud hosting", "commercial", "IaaS providers", by=None)
    template_id = template.id
    db.session.commit()
    page.goto(f"{live_server}/login")
    page.get_by_label("Username").fill("quinn")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/questionnaires/templates/{template_id}")
    panel = page.locator("#thresholds")
    expect(panel.get_by_role("row", name=re.compile("Critical from 80 %"))).to_be_visible()
    panel.get_by_text("Change the thresholds").click()
    panel.get_by_label("Critical: approved from (%)").fill("90")
    panel.get_by_label("Critical: conditionally approved from (%)").fill("95")
    panel.get_by_role("button", name="Save thresholds").click()
    expect(page.get_by_text("Critical suppliers: the thresholds need")).to_be_visible()
    expect(panel.get_by_label("Critical: conditionally approved from (%)")).to_have_value("95")
    screenshot(page, "thresholds-refused")

    panel.get_by_label("Critical: conditionally approved from (%)").fill("70")
    panel.get_by_role("button", name="Save thresholds").click()
    expect(page.get_by_text("Decision thresholds saved.")).to_be_visible()
    expect(panel.get_by_role("row", name=re.compile("Critical from 90 % 70 % to below 90 %"))).to_be_visible()
    panel.scroll_into_view_if_needed()
    screenshot(page, "thresholds-saved")

    page.get_by_role("button", name="Preview").click()
    page.get_by_text("How answers are scored").click()
    expect(page.get_by_role("row", name=re.compile("Critical from 90 %"))).to_be_visible()
    screenshot(page, "thresholds-preview")
