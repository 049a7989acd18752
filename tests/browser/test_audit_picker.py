"""In Chromium: the auditor types the start of a supplier's name in the audit log's record filter, picks the
suggested record, and the log shows that supplier's events."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.extensions import db
from app.suppliers.models import Supplier
from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def test_the_record_picker_suggests_a_supplier_by_name_and_filters_the_log(live_server, page, make_user, screenshot):
    make_user("audrey", Role.AUDITOR, full_name="Audrey Auditor")
    db.session.add_all([Supplier(code="SUP-020", name="Acme Tools"), Supplier(code="SUP-021", name="Beta Labs")])
    db.session.commit()
    db.session.close()

    sign_in(page, live_server, "audrey")
    page.goto(f"{live_server}/audit/")
    field = page.get_by_label("Record code or reference")
    field.press_sequentially("acme")
    expect(page.locator("#record-options option")).to_have_count(1)
    expect(page.locator("#record-options option")).to_have_attribute("value", "SUP-020")
    field.fill("SUP-020")  # what choosing the suggestion puts in the field
    field.press("Enter")
    expect(page.get_by_text("SUP-020 is supplier")).to_be_visible()
    screenshot(page, "audit-record-picker")
