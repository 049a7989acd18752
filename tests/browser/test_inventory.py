"""In Chromium: upload a lock file with progress, classify, record an anomaly review, freeze with a signature."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.inventory import services
from app.inventory.models import Component, Release
from tests.helpers import REALWORLD, fill_signature, sign_in

pytestmark = pytest.mark.browser
LOCKFILE = REALWORLD / "lockfiles" / "flask-celery-example-requirements.txt"


def sign_out(page) -> None:
    page.locator("details.dropdown summary").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")


def test_import_classify_review_and_freeze_a_release(live_server, page, make_user, screenshot) -> None:
    make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    product = services.create_product("Infusion pump", safety_class="B")
    release_id = services.create_release(product, "2.0").id
    db.session.commit()  # the test holds no transaction while the browser writes
    release_url = f"{live_server}/releases/{release_id}"

    # An engineer drops the lock file: the upload shows progress, then the summary.
    sign_in(page, live_server, "erin")
    page.goto(release_url)
    page.locator("#files").set_input_files(str(LOCKFILE))
    assert "Ready to import flask-celery-example-requirements.txt" in page.locator("#import-status").inner_text()
    page.get_by_role("button", name="Import", exact=True).click()
    summary = page.locator("#import-summary")
    summary.wait_for(state="visible")
    assert page.locator("#import-progress").get_attribute("value") == "100"
    assert "Imported 21 components (requirements.txt)" in summary.inner_text()
    assert page.locator("#import-status").inner_text() == "Import complete."
    screenshot(page, "inventory-import-summary")

    # Everything is build tooling except flask, which is SOUP of a class B item.
    page.get_by_role("button", name="Show the components").click()
    page.get_by_label("Select all on this page").check()
    page.locator("#action").select_option("classify")
    page.locator("#classification").select_option("otss")
    page.locator("#note").fill("Worker tooling, not part of the device")
    page.get_by_role("button", name="Apply").click()
    assert "21 component(s) classified as OTSS." in page.locator(".flashes").inner_text()
    page.get_by_role("link", name="flask", exact=True).click()
    page.get_by_label("Classification (per use)").select_option("soup")
    page.get_by_label("Safety class", exact=True).select_option("B")
    page.get_by_label("Functional and performance requirements (62304 5.3.3)").fill("Serves the pump's REST API")
    page.get_by_label("Hazardous situations / hazard references (62304 7.1.2)").fill("HAZ-7 wrong dose shown")
    page.get_by_role("button", name="Save component").click()
    assert "Component saved." in page.locator(".flashes").inner_text()
    screenshot(page, "inventory-component-classified")

    # Its anomaly review of the exact version (IEC 62304 7.1.3).
    page.get_by_role("button", name="Record a review").click()
    page.get_by_label("Relevant anomalies").fill("No open bug affects routing or JSON responses (checked the tracker).")
    page.get_by_label("Acceptable: no anomaly affects our use").check()
    page.get_by_role("button", name="Record the review").click()
    assert "recorded" in page.locator(".flashes").inner_text()
    screenshot(page, "inventory-anomaly-review")

    # Every change is assessed, then QA freezes with a signature.
    page.goto(release_url + "?per_page=100")
    page.get_by_label("Select all on this page").check()
    page.locator("#action").select_option("assess")
    page.locator("#note").fill("New release baseline reviewed")
    page.get_by_role("button", name="Apply").click()
    assert "21 change(s) marked assessed." in page.locator(".flashes").inner_text()
    sign_out(page)

    sign_in(page, live_server, "quinn")
    page.goto(release_url)
    fill_signature(page)
    page.get_by_label("Comment").fill("SOUP list of 2.0 approved")
    screenshot(page, "inventory-before-freeze")
    page.get_by_role("button", name="Freeze and sign").click()
    assert "is frozen and its SOUP list signed" in page.locator(".flashes").inner_text()
    signatures = page.get_by_role("region", name="Signatures")
    assert "Quinn Quality" in signatures.inner_text() and "Approved" in signatures.inner_text()
    assert page.locator("#import-form").count() == 0
    screenshot(page, "inventory-frozen")

    frozen = db.session.get(Release, release_id)
    assert frozen is not None and frozen.is_frozen
    flask = db.session.scalars(select(Component).where(Component.release_id == release_id,
                                                       Component.name == "flask")).one()
    assert (flask.classification, flask.safety_class, flask.status) == ("soup", "B", "evaluated")
    db.session.commit()
