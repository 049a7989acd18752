"""In Chromium: import the PyPA advisory database, triage a match on the release page, record an anomaly review,
and change the licence policy. Screenshots: test-artifacts/screenshots/advisories-*.png."""

from __future__ import annotations

import re

import pytest

from app.access import Role
from app.extensions import db
from app.inventory.licences import services as licence_services
from tests.helpers import LONG_WORK_MS, sign_in
from tests.inventory.advisories.test_matching import PYPA_ZIP
from tests.inventory.advisory_records import component_named, make_release

pytestmark = pytest.mark.browser


def test_advisories_reviews_and_licence_policy_in_the_browser(live_server, page, make_user, screenshot):
    make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    release = make_release(
        ("pypi", "Jinja2", "2.10", "BSD-3-Clause"),
        ("pypi", "urllib3", "1.24.1", "MIT"),
        ("pypi", "psycopg2", "2.9.9", "LGPL-3.0-or-later"),
        product="Infusion pump", version="4.2", safety_class="C",
    )
    licence_services.apply_licence_policy(release)  # what an import does
    release_id, jinja_id = release.id, component_named(release, "Jinja2").id
    db.session.commit()

    sign_in(page, live_server, "erin")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Advisories").click()
    page.get_by_role("button", name="Import advisories").first.click()
    page.get_by_label("OSV file").set_input_files(str(PYPA_ZIP))
    page.get_by_role("button", name="Import").click(timeout=LONG_WORK_MS)  # 3,327 files in the zip
    page.wait_for_url("**/advisories/import")
    assert page.get_by_text(re.compile(r"2661 new, 0 updated, 0 unchanged advisories")).is_visible()
    screenshot(page, "advisories-import")

    page.goto(f"{live_server}/advisories?affecting=yes")
    assert page.get_by_role("link", name="PYSEC-2019-217").is_visible()
    screenshot(page, "advisories-list-affecting")

    page.goto(f"{live_server}/releases/{release_id}#advisories")
    section = page.locator("#advisories")
    assert section.get_by_role("link", name="PYSEC-2019-217", exact=True).is_visible()
    assert section.locator("form.triage-form").count() == 0  # decisions on demand: a link per match, no form
    section.locator("a.triage-link").first.click()  # htmx puts the form in place of the link
    form = section.locator("form.triage-form").first
    form.wait_for()
    form.locator("select[name=state]").select_option("not_affected")
    form.locator("select[name=justification]").select_option("vulnerable_code_not_in_execute_path")
    form.locator("input[name=note]").fill("We never render untrusted templates.")
    form.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile(r": not affected\.")).is_visible()
    screenshot(page, "advisories-release-section")

    page.goto(f"{live_server}/components/{jinja_id}")
    page.get_by_role("button", name="Record a review").click()
    page.get_by_label("Relevant anomalies").fill(
        "Sandbox escape advisories (see list); open bugs checked in the issue tracker: none affects our use."
    )
    page.get_by_label("Links").fill("https://github.com/pallets/jinja/issues?q=is%3Aissue+is%3Aopen")
    page.get_by_label("Needs a risk control").check()
    screenshot(page, "advisories-review-form")
    page.get_by_role("button", name="Record the review").click()
    assert page.get_by_text("needs a rationale").is_visible()  # refused, and the text typed is still there
    assert "Sandbox escape advisories" in page.get_by_label("Relevant anomalies").input_value()
    page.get_by_label("Rationale").fill("Upgrade to 3.1.6 planned; templates come only from our repository (RC-4).")
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_url(f"**/components/{jinja_id}")
    anomalies = page.locator("#anomaly-reviews")
    assert anomalies.get_by_text("Upgrade to 3.1.6 planned").is_visible()
    assert anomalies.get_by_text("Erin Engineer").is_visible()
    anomalies.scroll_into_view_if_needed()
    screenshot(page, "advisories-component-reviews")

    sign_in(page, live_server, "quinn")  # a second person at another desk
    screenshot(page, "advisories-dashboard")
    page.goto(f"{live_server}/licence-policy")
    page.get_by_label("SPDX id or category").fill("LGPL-3.0+")
    page.get_by_label("Verdict").select_option("allow")
    page.get_by_label("Why").fill("Dynamically linked; legal review LR-2026-03.")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url("**/licence-policy")
    assert page.get_by_text("LGPL-3.0-or-later: allow").is_visible()
    screenshot(page, "advisories-licence-policy")
    db.session.expire_all()
    assert component_named(release, "psycopg2").licence_verdict == "allow"
    page.goto(f"{live_server}/releases/{release_id}#licences")
    assert page.locator("#licences").get_by_text("3").first.is_visible()
