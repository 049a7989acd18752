"""In Chromium: sign in, see the role's navigation, sign out."""

from __future__ import annotations

import pytest

from app.access import Role
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_shows_the_roles_navigation_then_sign_out(live_server, page, make_user, screenshot):
    make_user("alex", Role.AUDITOR, full_name="Alex Auditor")
    page.goto(f"{live_server}/")
    assert "/login" in page.url
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, "foundation-login")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Audit log").is_visible()
    assert nav.get_by_role("link", name="Users").count() == 0
    screenshot(page, "foundation-home-auditor")
    page.get_by_text("Alex Auditor").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("You have signed out.").is_visible()
    page.goto(f"{live_server}/audit/")
    assert "/login" in page.url
