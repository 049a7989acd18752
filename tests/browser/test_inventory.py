"""In Chromium: a class B product's release through every freeze gate. Import a lockfile with progress, classify, assign
components to a software item in bulk, fill requirements and hazards in bulk for the direct ones, review them, link
their suppliers, triage an advisory as not_affected with a justification, waive a denied licence with QA's signature,
then two people sign: the engineer as author, QA as approver (the same QA user signing both is refused)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.access import Role
from app.extensions import db
from app.inventory import services
from app.inventory.advisories import services as advisory_services
from app.inventory.licences import services as licence_services
from app.inventory.models import ComponentWaiver, Release
from app.signatures.models import Signature
from app.suppliers.models import Supplier, SupplierKind, SupplierStatus
from tests.helpers import fill_signature, sign_in

pytestmark = pytest.mark.browser


def sign_out(page) -> None:
    page.locator("details.dropdown summary").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")


def lockfile(folder: Path) -> Path:
    """A package-lock.json (v3) written for this test: lodash and left-pad direct (left-pad under WTFPL, which the
    company's licence policy denies), ms pulled in by lodash."""
    path = folder / "package-lock.json"
    path.write_text(json.dumps({
        "name": "pump-ui", "version": "2.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {
            "": {"name": "pump-ui", "version": "2.0.0", "dependencies": {"lodash": "4.17.20", "left-pad": "1.3.0"}},
            "node_modules/lodash": {"version": "4.17.20", "license": "MIT", "dependencies": {"ms": "^2.1.3"},
                                    "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz"},
            "node_modules/left-pad": {"version": "1.3.0", "license": "WTFPL",
                                      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"},
            "node_modules/ms": {"version": "2.1.3", "license": "MIT",
                                "resolved": "https://registry.npmjs.org/ms/-/ms-2.1.3.tgz"},
        },
    }))
    return path


def apply_bulk(page, action: str, **fields: str) -> str:
    page.get_by_label("Select all on this page").check()
    page.locator("#action").select_option(action)
    for name, value in fields.items():
        element = page.locator(f"#bulk-form #{name}")
        if element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(value)
        else:
            element.fill(value)
    page.get_by_role("button", name="Apply").click()
    return page.locator(".flashes").inner_text()


def test_a_class_b_release_passes_every_gate_and_is_signed_by_two_people(
        live_server, page, make_user, screenshot, tmp_path) -> None:
    make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    qa = make_user("quinn", Role.QA, full_name="Quinn Quality")
    licence_services.save_entry("WTFPL", "deny", "Not accepted by legal for device software", by=qa)
    product = services.create_product("Infusion pump", safety_class="B")
    item_id = services.add_software_item(product, "Pump UI", "B").id
    release_id = services.create_release(product, "2.0").id
    for name in ("lodash", "left-pad"):
        db.session.add(Supplier(code=f"OSS-{name.upper()}", name=name, kind=SupplierKind.OPEN_SOURCE_PROJECT,
                                status=SupplierStatus.APPROVED))
    advisory_services.import_advisories("osv.json", json.dumps([{
        "id": "GHSA-35jh-r3h4-6jhm", "summary": "Command injection in lodash template",
        "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "versions": ["4.17.20"]}]}]).encode())
    db.session.commit()  # the test holds no transaction while the browser writes
    release_url = f"{live_server}/releases/{release_id}"

    # The engineer imports the lockfile; everything is SOUP of the class B product.
    sign_in(page, live_server, "erin")
    page.goto(release_url)
    page.locator("#files").set_input_files(str(lockfile(tmp_path)))
    page.get_by_role("button", name="Import", exact=True).click()
    page.locator("#import-summary").wait_for(state="visible")
    assert "Imported 3 components" in page.locator("#import-summary").inner_text()
    assert "loaded before this import: reload the release" in page.locator("#import-summary").inner_text()
    assert "NOASSERTION" not in page.locator("#import-summary").inner_text()  # no licence stated reads so
    assert "warning" in page.locator("#import-summary").inner_text().lower()  # the file's warnings, or "No warnings."
    page.goto(release_url)
    assert "3 component(s) classified as SOUP." in apply_bulk(page, "classify", classification="soup",
                                                               note="Runs in the pump's user interface")
    assert "3 component(s) assigned" in apply_bulk(page, "assign_item", software_item_id=str(item_id))
    checklist = page.locator("section.readiness")
    assert "covered by a parent" in checklist.inner_text()
    screenshot(page, "gates-assigned-to-software-item")

    # Requirements, hazards and an anomaly review for the direct ones, in bulk (ms is covered by lodash).
    page.goto(release_url + "?direct=direct")
    page.locator("details.bulk-fields summary").click()
    assert "2 component(s) updated" in apply_bulk(page, "set_fields", requirements="Formats dose values on screen",
                                                  hazard_refs="HAZ-7 wrong dose shown")
    page.locator("details.bulk-fields summary").click()
    screenshot(page, "gates-bulk-fields")
    assert "Anomaly review recorded for 2" in apply_bulk(
        page, "review", anomalies="Checked the issue trackers of these versions: nothing affects our use.")
    checklist = page.locator("section.readiness").inner_text()
    assert "lodash 4.17.20: no current anomaly review" not in checklist
    assert "ms 2.1.3: no current anomaly review" not in checklist and "ms 2.1.3: class B SOUP" not in checklist

    # A second bulk edit never overwrites silently.
    page.locator("details.bulk-fields summary").click()
    refused = apply_bulk(page, "set_fields", hazard_refs="HAZ-9 something else")
    assert "already hold another value" in refused and "Nothing was changed" in refused

    # Their suppliers (approved) are linked from the suggestion on each component.
    for name in ("lodash", "left-pad"):
        page.goto(release_url + "?direct=direct")
        page.get_by_role("table", name="Components").get_by_role("link", name=name, exact=True).click()
        page.get_by_role("button", name="Link this supplier").click()
        assert "Linked to supplier" in page.locator(".flashes").inner_text()

    # The advisory on lodash is triaged in VEX terms.
    page.goto(release_url + "#advisories")
    section = page.locator("#advisories")
    section.locator("a.triage-link").first.click()
    form = section.locator("form.triage-form").first
    form.wait_for()
    form.locator("select[name=state]").select_option("not_affected")
    form.locator("select[name=justification]").select_option("vulnerable_code_not_in_execute_path")
    form.locator("input[name=note]").fill("The UI never calls _.template.")
    screenshot(page, "gates-vex-triage")
    form.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_text("not affected", exact=False).first.is_visible()

    page.goto(release_url)
    assert "3 change(s) marked assessed." in apply_bulk(page, "assess", note="First release of the UI")
    remaining = page.locator("section.readiness").inner_text()
    assert "left-pad 1.3.0: licence WTFPL is denied by the licence policy and has no signed waiver" in remaining
    screenshot(page, "gates-one-problem-left")
    sign_out(page)

    # QA waives the denied licence with a signature.
    sign_in(page, live_server, "quinn")
    page.goto(release_url)
    page.get_by_role("table", name="Components").get_by_role("link", name="left-pad", exact=True).click()
    waiver = page.locator("form[action$='/waive-licence']")
    waiver.locator("textarea[name=reason]").fill("Twelve lines of code, reviewed; the author's intent is public domain.")
    fill_signature(page, waiver)
    waiver.get_by_role("button", name="Waive with my signature").click()
    assert "Licence waived" in page.locator(".flashes").inner_text()
    screenshot(page, "gates-licence-waived")

    # Ready: QA alone may not both prepare and approve.
    page.goto(release_url + "#freeze")
    assert "ready" in page.locator("section.readiness h3").inner_text()
    author = page.locator("form[action$='/author']")
    author.wait_for()  # the sign steps arrive with the readiness check, after the page
    fill_signature(page, author)
    author.get_by_role("button", name="Sign as author").click()
    freeze = page.locator("form[action$='/freeze']")
    freeze.wait_for()
    fill_signature(page, freeze)
    freeze.get_by_role("button", name="Freeze and sign").click()
    assert "cannot review or approve a record you authored" in page.locator(".flashes").inner_text()
    screenshot(page, "gates-same-person-refused")
    sign_out(page)

    # The engineer prepares it, QA approves it.
    sign_in(page, live_server, "erin")
    page.goto(release_url + "#freeze")
    author = page.locator("form[action$='/author']")
    author.wait_for()  # the sign steps arrive with the readiness check, after the page
    fill_signature(page, author)
    author.get_by_label("Comment").fill("SOUP list of 2.0 prepared")
    author.get_by_role("button", name="Sign as author").click()
    assert "signed as prepared" in page.locator(".flashes").inner_text()
    sign_out(page)
    sign_in(page, live_server, "quinn")
    page.goto(release_url + "#freeze")
    freeze = page.locator("form[action$='/freeze']")
    freeze.wait_for()
    fill_signature(page, freeze)
    freeze.get_by_label("Comment").fill("SOUP list of 2.0 approved")
    screenshot(page, "gates-before-freeze")
    freeze.get_by_role("button", name="Freeze and sign").click()
    assert "is frozen and its SOUP list signed" in page.locator(".flashes").inner_text()
    people = page.locator("section.prepared-approved").inner_text()
    assert "Erin Engineer" in people and "Quinn Quality" in people
    screenshot(page, "gates-frozen")

    frozen = db.session.get(Release, release_id)
    assert frozen is not None and frozen.is_frozen
    meanings = sorted((s.meaning, s.printed_name) for s in db.session.scalars(
        select(Signature).where(Signature.entity_type == "release", Signature.entity_id == str(release_id))))
    assert ("approved", "Quinn Quality") in meanings and ("authored", "Erin Engineer") in meanings
    assert db.session.scalar(select(ComponentWaiver.kind)) == "licence_waiver"
    db.session.commit()
