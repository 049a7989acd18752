"""In Chromium: an engineer edits a SOUP requirement in place (the form opens in the row, htmx), uploads a real pytest
report on the test results page, and the readiness rule reads the run; no console error on either page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.extensions import db
from app.inventory.traceability import services
from tests.helpers import sign_in
from tests.inventory.gated import components_of, gated_release

pytestmark = pytest.mark.browser

PYTEST_REPORT = Path(__file__).resolve().parents[1] / "fixtures" / "junit" / "pytest.xml"


def test_requirements_are_edited_in_place_and_test_results_uploaded(live_server, page, make_user, screenshot):
    engineer = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    release = gated_release(engineer)
    services.create_requirement(release.product, [components_of(release)["flask"]],
                                {"text": "Routes HTTP requests", "identifier": "SOUP-REQ-12"}, by=engineer)
    release_id = release.id
    db.session.commit()  # and no read after it: the test holds no database lock while the browser works
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, "erin")

    page.goto(f"{live_server}/releases/{release_id}/requirements")
    page.get_by_role("link", name="Edit SOUP-REQ-12").click()
    form = page.locator("tr.inline-edit form")
    expect(form).to_be_visible()
    form.get_by_label("Requirement").fill("Routes every HTTP request of the device API")
    form.get_by_role("button", name="Save SOUP-REQ-12").click()
    expect(page.get_by_text("SOUP-REQ-12 saved.")).to_be_visible()
    expect(page.get_by_role("cell", name="Routes every HTTP request of the device API")).to_be_visible()
    screenshot(page, "traceability-requirements")

    page.goto(f"{live_server}/releases/{release_id}/test-results")
    page.get_by_text("Import test results").click()
    page.locator("input[type=file]").set_input_files(str(PYTEST_REPORT))
    page.get_by_label("Source").fill("https://ci.example/job/7")
    page.get_by_role("button", name="Import results").click()
    cases = PYTEST_REPORT.read_bytes().count(b"<testcase ")
    expect(page.get_by_text(f"Imported {cases} test cases")).to_be_visible()
    expect(page.get_by_role("cell", name="test_always_fail").first).to_be_visible()
    page.get_by_role("link", name="Link test_always_pass to an ID").click()
    page.locator("#link-ref").fill("SOUP-REQ-12")
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_text("test_always_pass linked to SOUP-REQ-12.")).to_be_visible()
    screenshot(page, "traceability-test-results")
    assert not errors, errors
