"""In Chromium: a bulk action on every component that matches the filters (not only the 50 ticked on the page)
asks first, with the count, and then reaches the components on the other pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.extensions import db
from app.inventory import services
from tests.helpers import sign_in
from tests.inventory.factories import requirements
from tests.inventory.gated import components_of

pytestmark = pytest.mark.browser


def test_a_bulk_action_on_every_matching_component_asks_with_the_count_and_reaches_every_page(
        live_server, page, make_user, screenshot):
    engineer = make_user("erin", Role.ENGINEER)
    release = services.create_release(services.create_product("Monitor", safety_class="B"), "2.0")
    lines = [f"package{number:02d}==1.0.{number}" for number in range(60)]
    services.import_files(release, [services.UploadedFile("requirements.txt", requirements(*lines))], by=engineer)
    release_id = release.id
    db.session.commit()
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    sign_in(page, live_server, "erin")
    page.goto(f"{live_server}/releases/{release_id}")
    page.get_by_label("Action").select_option("classify")
    page.locator("fieldset.bulk-actions").get_by_label("Classification").select_option("soup")
    page.get_by_label("Rationale or note").fill("runs in the monitor's UI")
    page.get_by_label("Every component of the release, on every page: 60 components").check()
    screenshot(page, "bulk-scope")
    page.get_by_role("button", name="Apply").click()

    expect(page.locator(".flash")).to_contain_text("60 component(s) classified as SOUP.")
    assert asked == ["Apply this action to 60 components (every component of the release), on every page?"]
    db.session.expire_all()
    assert {c.classification for c in components_of(db.session.get(type(release), release_id)).values()} == {"soup"}
