"""In Chromium, as an engineer on the demo data: the product's hazard list shows the imported hazards with their
controls and SOUP, a new hazard is added through the form, and the component page names its hazards."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.demo import seed_all
from app.extensions import db
from app.inventory.demo import GATED_PRODUCT
from app.inventory.models import Product
from tests.browser.test_ui_pages import sign_in_demo

pytestmark = pytest.mark.browser


def test_the_hazard_list_in_the_browser(app, live_server, page, screenshot):
    seed_all(suppliers=0)
    product_id = db.session.scalar(select(Product.id).where(Product.name == GATED_PRODUCT))
    db.session.commit()
    db.session.close()
    sign_in_demo(page, live_server, "engineer")
    page.goto(f"{live_server}/products/{product_id}")
    page.get_by_role("link", name="Hazards, risk controls and the SOUP linked to them").click()
    table = page.get_by_role("table", name="Hazards")
    expect(table.get_by_role("row")).to_have_count(3)  # header, HAZ-07, HAZ-12
    expect(table).to_contain_text("RC-1")
    expect(table).to_contain_text("werkzeug")

    page.get_by_text("Add a hazard").click()
    page.get_by_label("Hazard ID").fill("HAZ-20")
    page.locator("#new-hazard").fill("The dose API answers too late")
    page.get_by_label("Severity").fill("S3")
    page.get_by_label("Risk control measures").fill("RC-4: the pump keeps the last confirmed rate")
    page.get_by_label("SOUP items that can contribute").fill("flask")
    page.get_by_role("button", name="Add hazard").click()
    expect(page.get_by_text("Hazard HAZ-20 added.")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(4)
    screenshot(page, "hazards-list")

    table.get_by_role("row").filter(has_text="HAZ-20").get_by_role("link", name="HAZ-20").click()
    expect(page.get_by_label("Risk control measures")).to_have_value("RC-4: the pump keeps the last confirmed rate")
    screenshot(page, "hazard-detail")


def test_the_traceability_matrix_in_the_browser(app, live_server, page, screenshot):
    """The demo's frozen release: its risk controls from the hazard list, without tests yet (gaps)."""
    from app.inventory.models import Release

    seed_all(suppliers=0)
    product_id = db.session.scalar(select(Product.id).where(Product.name == GATED_PRODUCT))
    release_id = db.session.scalar(select(Release.id).where(Release.product_id == product_id).order_by(Release.id))
    db.session.commit()
    db.session.close()
    sign_in_demo(page, live_server, "auditor")
    page.goto(f"{live_server}/releases/{release_id}")
    page.get_by_role("button", name="Traceability").click()
    table = page.get_by_role("table", name="Traceability matrix")
    expect(table).to_contain_text("RC-1")
    expect(table).to_contain_text("HAZ-07")
    screenshot(page, "traceability-matrix")
