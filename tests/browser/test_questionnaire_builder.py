"""In Chromium: QA builds a new version of the commercial questionnaire, adds a conditional question,
sees it show and hide live in the preview, and publishes it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.access import Role
from app.extensions import db
from app.questionnaires import services
from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def add_question(page: Page, section: str, **fields: str) -> None:
    """Add a question to a section through the builder's form: each field filled by its id (the answer
    type is chosen in its select), then saved."""
    page.locator(f"#{section}").locator("xpath=../..").get_by_role("button", name="Add question").click()
    for field, value in fields.items():
        box = page.locator(f"#{field}")
        if field == "answer_type":
            box.select_option(value)
        else:
            box.fill(value)
    page.get_by_role("button", name="Save question").click()


def test_new_version_with_a_conditional_question_previewed_live_and_published(live_server, page, make_user, screenshot):
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    services.ensure_default_templates()
    db.session.commit()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, "quinn")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Questionnaires").click()
    page.get_by_role("link", name="Commercial software vendor").click()
    page.get_by_role("button", name="New version").click()
    expect(page.get_by_role("heading", name="Commercial software vendor v2")).to_be_visible()

    add_question(page, "section-4", code="C14", answer_type="yes_no", text="Do you escrow the source code?",
                 options="yes | Yes | 10\nno | No | 0")
    add_question(page, "section-4", code="C14a", answer_type="text", text="Which escrow agent?", weight="0",
                 shown_if_code="C14", shown_if_values="yes")
    expect(page.get_by_text("Question C14a added.")).to_be_visible()
    expect(page.get_by_text("The template is valid and can be published.")).to_be_visible()
    screenshot(page, "s2-builder-new-version")

    page.get_by_role("button", name="Preview").click()
    escrow = page.locator("#q-C14a")
    expect(escrow).to_be_hidden()
    page.locator("#q-C14").get_by_label("Yes", exact=True).check()
    expect(escrow).to_be_visible()
    screenshot(page, "s2-builder-preview")
    page.locator("#q-C14").get_by_label("No", exact=True).check()
    expect(escrow).to_be_hidden()

    page.go_back()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. This version can no longer change.")).to_be_visible()
    expect(page.get_by_role("button", name="New version")).to_be_visible()
