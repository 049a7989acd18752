"""In Chromium, the OTSS validation journey with every click counted: an engineer registers a system and lists its
functions, writes the protocol with its test cases and steps (each added in place, the add form staying open), signs
it; a second engineer reviews and QA approves, each signing; a tester executes every step (the form standing on the
next step not yet run) and writes and signs the report; QA approves it. Target: at most 45 clicks (issue 16)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.access import Role
from tests.helpers import e_sign, sign_in
from tests.validation.factories import make_supplier

pytestmark = pytest.mark.browser

MAX_CLICKS = 45

# Every pointer click the browser receives (a trusted click event, whatever issued it: the helpers' sign-in and
# signing buttons included) and every choice in a drop-down, kept in the tab's session storage across page loads.
COUNTER = """
(() => {
  const bump = (key) => sessionStorage.setItem(key, String(Number(sessionStorage.getItem(key) || 0) + 1));
  document.addEventListener("click", (event) => { if (event.isTrusted) { bump("clicks"); } }, true);
  document.addEventListener("change", (event) => {
    if (event.target instanceof HTMLSelectElement) { bump("choices"); }
  }, true);
})();
"""


def counted(page: Page, key: str) -> int:
    return int(page.evaluate(f"Number(sessionStorage.getItem('{key}') || 0)"))


def not_reloaded(page: Page) -> None:
    """The page is the one marked before the change: the change happened in place, without a reload."""
    assert page.evaluate("window.__inPlace === true"), "the page was reloaded"


def test_the_validation_journey_takes_at_most_45_clicks(live_server, page, make_user, screenshot):
    page.on("dialog", lambda dialog: dialog.accept())
    page.add_init_script(COUNTER)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    make_user("rob", Role.ENGINEER, full_name="Rob Reviewer")
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    make_user("tess", Role.ENGINEER, full_name="Tess Tester")
    make_supplier("ATL")
    from app.extensions import db
    db.session.commit()
    base = live_server

    # The engineer registers the system.
    sign_in(page, base, "erin")
    page.get_by_role("link", name="Validation", exact=True).first.click()
    page.get_by_role("button", name="New system").first.click()
    page.get_by_label("Supplier").select_option(label="ATL Software Ltd (ATL)")
    page.get_by_label("Product").fill("Jira Software Cloud")
    page.get_by_label("Version in use").fill("2026.10")
    page.get_by_label("Deployment").select_option("saas")
    page.get_by_label("Intended use").fill("CAPA tracking")
    page.get_by_label("Rationale of the regulatory-use assessment").fill("Holds CAPA records")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name=re.compile("Jira Software Cloud"))).to_be_visible()

    # Its functions, added in place: the form stays open and takes the focus for the next one.
    page.evaluate("window.__inPlace = true")
    functions = page.locator("#functions-body")
    page.locator("#function-description").fill("Approve a CAPA")
    functions.get_by_label("Rationale of the risk determination").fill("A wrong approval closes a CAPA unchecked")
    functions.get_by_role("button", name="Add function").click()
    expect(page.locator("#functions-body").get_by_text("Function added.")).to_be_visible()
    expect(page.locator("#function-description")).to_be_focused()
    page.locator("#function-description").fill("Search complaints")
    functions.get_by_label("Use").select_option("supporting")
    functions.get_by_label("Process risk").select_option("not_high")
    functions.get_by_label("Rationale of the risk determination").fill("Errors are visible at once")
    functions.get_by_role("button", name="Add function").click()
    expect(functions.locator("tbody tr")).to_have_count(2)
    not_reloaded(page)

    # The protocol: its text, two test cases and the steps, all in place.
    page.get_by_role("button", name="Write the validation protocol").click()
    expect(page.get_by_role("heading", name=re.compile("Protocol v1"))).to_be_visible()
    protocol_url = page.url
    page.get_by_label("Version under test").fill("2026.10")
    page.get_by_label("Scope").fill("CAPA approval and complaint search")
    page.get_by_label("Acceptance criteria").fill("Every scripted step passes")
    page.get_by_role("button", name="Save protocol text").click()
    expect(page.get_by_text("Protocol saved.")).to_be_visible()
    page.evaluate("window.__inPlace = true")
    cases = page.locator("#test-cases-body")
    cases.get_by_label("Function covered").select_option(label="Approve a CAPA (high risk)")
    cases.get_by_label("Objective").fill("A CAPA is approved only by the owner's manager")
    cases.get_by_role("button", name="Add test case").click()
    expect(page.locator("#case-method")).to_be_focused()
    cases.get_by_label("Method").select_option("unscripted_exploratory")
    cases.get_by_label("Function covered").select_option(label="Search complaints (not high risk)")
    cases.get_by_label("Objective").fill("Explore complaint search")
    cases.get_by_label("Expected result (unscripted tests)").fill("The complaints searched for are found")
    cases.get_by_role("button", name="Add test case").click()
    expect(cases.locator("article")).to_have_count(2)
    expect(page.locator("#case-method")).to_be_focused()  # settled: typing now stays in the field it is meant for
    tc1 = cases.locator("article", has_text="TC-1")
    tc1.get_by_label("Steps, one per line").fill(
        "Open the CAPA as its owner | No approve action is offered\n"
        "Open the CAPA as the owner's manager | The approve action is offered\n"
        "Approve the CAPA | The CAPA is approved and its history shows who approved it")
    tc1.get_by_role("button", name="Add these steps to TC-1").click()
    expect(page.get_by_text("3 steps added to TC-1.")).to_be_visible()
    expect(page.locator("#coverage-body")).not_to_contain_text("Needs a scripted test case")
    expect(page.locator("#gaps-warning")).to_be_empty()
    not_reloaded(page)
    screenshot(page, "validation-journey-1-protocol-written-in-place")
    e_sign(page, "Sign as author and send to review")
    expect(page.get_by_text("Signed as authored and sent to review.")).to_be_visible()

    # A second engineer reviews, QA approves: each signs.
    sign_in(page, base, "rob")
    page.goto(protocol_url)
    e_sign(page, "Sign as reviewed")
    expect(page.get_by_text("Signed as reviewed.")).to_be_visible()
    sign_in(page, base, "quinn")
    page.goto(protocol_url)
    e_sign(page, "Approve the protocol")
    expect(page.get_by_text("Protocol approved.")).to_be_visible()

    # The tester executes every step: the form always stands on the next step not yet run.
    sign_in(page, base, "tess")
    page.goto(protocol_url)
    page.get_by_role("button", name="Start execution").click()
    expected_targets = ["TC-1 step 1", "TC-1 step 2", "TC-1 step 3", "TC-2 "]
    for target in expected_targets:
        chosen = page.locator("#run-target option:checked")
        expect(chosen).to_have_text(re.compile("^" + re.escape(target)))
        page.get_by_label("Actual result").fill(f"As expected ({target.strip()})")
        page.get_by_role("button", name="Record result").click()
        expect(page.get_by_text("Result recorded.")).to_be_visible()
    screenshot(page, "validation-journey-2-executed")
    page.get_by_role("button", name="Complete execution").click()

    # The tester writes and signs the report; QA approves it.
    expect(page.get_by_role("heading", name=re.compile("Validation report"))).to_be_visible()
    page.get_by_label("Conclusion").select_option("fit")
    page.get_by_label("Summary").fill("Fit for CAPA approval and complaint search")
    page.get_by_role("button", name="Save the report").click()
    expect(page.get_by_text("Report saved.")).to_be_visible()
    e_sign(page, "Sign the report as its author")
    expect(page.get_by_text("Report signed as authored")).to_be_visible()
    report_url = page.url
    sign_in(page, base, "quinn")
    page.goto(report_url)
    e_sign(page, "Approve the report")
    expect(page.get_by_text("Report approved.")).to_be_visible()
    expect(page.get_by_test_id("validation-status").locator(".badge").first).to_have_text("Released")
    screenshot(page, "validation-journey-3-released")

    clicks, choices = counted(page, "clicks"), counted(page, "choices")
    print(f"validation journey: {clicks} clicks, {choices} drop-down choices")
    # htmx's own indicator style (refused by the CSP) and the missing favicon are issue 16's item 9; nothing else.
    known = ("Applying inline style violates", "status of 404")
    assert [e for e in errors if not e.startswith(known[0]) and known[1] not in e] == []
    assert clicks <= MAX_CLICKS, f"{clicks} clicks"
    assert clicks + choices <= MAX_CLICKS, f"{clicks} clicks and {choices} drop-down choices"


def test_a_function_is_retired_in_place_only_when_confirmed(live_server, page, make_user):
    from app.extensions import db
    from tests.validation.factories import make_system

    author = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    system_id = make_system(author).id
    db.session.commit()
    sign_in(page, live_server, "erin")
    page.goto(f"{live_server}/validation/systems/{system_id}")
    page.evaluate("window.__inPlace = true")
    functions = page.locator("#functions-body")
    page.once("dialog", lambda dialog: dialog.dismiss())
    functions.get_by_role("button", name="Retire Function 2").click()
    expect(functions.locator("tbody tr")).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    functions.get_by_role("button", name="Retire Function 2").click()
    expect(functions.get_by_role("heading", name="Retired")).to_be_visible()
    expect(functions.locator("ul.retired s")).to_have_text("Function 2")
    expect(functions.locator("tbody tr")).to_have_count(1)
    functions.get_by_role("link", name="Edit Function 1").click()
    page.locator("#description").fill("Approve a CAPA")
    functions.get_by_role("button", name="Save function").click()
    expect(functions.get_by_text("Function saved.")).to_be_visible()
    expect(functions.locator("tbody tr").first).to_contain_text("Approve a CAPA")
    assert page.evaluate("window.__inPlace === true"), "the page was reloaded"
