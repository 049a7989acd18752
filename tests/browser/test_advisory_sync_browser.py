"""In Chromium: the advisory sync's status page after two syncs of the PyPA export (the second with 1 % changed),
"Sync now", and following a product whose frozen release an advisory reached. Screenshots:
test-artifacts/screenshots/advisory-sync-*.png."""

from __future__ import annotations

import re

import pytest

from app.access import Role
from app.extensions import db
from app.inventory.advisories import sync
from tests.helpers import sign_in
from tests.inventory.advisories.osv_exports import PYPA_ZIP, modify
from tests.inventory.advisory_records import make_release

pytestmark = pytest.mark.browser


def test_the_sync_status_page_and_following_a_product(app, live_server, page, make_user, screenshot, tmp_path,
                                                       monkeypatch):
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    release = make_release(("pypi", "Jinja2", "2.10"), ("pypi", "urllib3", "1.24.1"), product="Infusion pump",
                           version="4.2", frozen=True)
    product_id = release.product_id
    db.session.commit()
    (tmp_path / "PyPI").mkdir()
    export = tmp_path / "PyPI" / "all.zip"
    monkeypatch.setitem(app.config, "ADVISORY_SYNC_SOURCE", str(tmp_path))
    original = PYPA_ZIP.read_bytes()
    for content in (original, modify(original).content):
        export.write_bytes(content)
        sync.sync_ecosystem("PyPI", channel="cli")
        db.session.commit()

    sign_in(page, live_server, "quinn")
    page.goto(f"{live_server}/advisories")
    page.get_by_role("button", name="Sync status").click()
    page.wait_for_url("**/advisories/sync")
    last = page.get_by_role("table", name="Last run per ecosystem")
    assert last.get_by_role("cell", name="PyPI").is_visible()
    assert page.get_by_role("table", name="Open alerts").get_by_role("link", name="Infusion pump").first.is_visible()
    screenshot(page, "advisory-sync-status")

    page.get_by_role("button", name="Sync now").click()
    page.wait_for_load_state()
    assert page.get_by_text("The sync is queued for the worker.").is_visible()

    page.goto(f"{live_server}/products/{product_id}#monitoring")
    page.get_by_role("button", name="Follow this product").click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile(r"You follow Infusion pump")).first.is_visible()
    screenshot(page, "advisory-sync-product-monitoring")
