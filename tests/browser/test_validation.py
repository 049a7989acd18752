"""In Chromium, the issue's done-when: an engineer writes a protocol covering a high-risk and a
not-high function, is stopped until the high-risk one has a scripted test, sends it; a second user
reviews; QA approves; a tester executes with one failure, which opens a deviation that the tester can read but
not close, and that QA closes with a signature (the lowered severity with its reason); the tester signs the report
as its author, QA approves it and the system shows as released with the next review date. The author's attempt to
approve is hidden in the UI and refused by the server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.access import Role
from app.extensions import db
from app.validation import services
from app.validation.rules import ProcessRisk
from tests.helpers import PASSWORD, e_sign, sign_in
from tests.validation.factories import make_supplier

pytestmark = pytest.mark.browser


def option_value(page: Page, select_id: str, starts_with: str) -> str:
    """The value of the option whose label starts with the text."""
    for option in page.locator(f"#{select_id} option").all():
        if option.inner_text().startswith(starts_with):
            return option.get_attribute("value") or ""
    raise AssertionError(f"no option starting with {starts_with!r}")


def test_protocol_to_release_with_separation_of_duties(live_server, page, make_user, screenshot):
    page.on("dialog", lambda dialog: dialog.accept())
    author = make_user("erin", Role.ENGINEER, Role.QA, full_name="Erin Engineer")  # holds QA too
    make_user("rob", Role.ENGINEER, full_name="Rob Reviewer")
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    make_user("tess", Role.ENGINEER, full_name="Tess Tester")
    make_supplier("ATL")
    system = services.create_system(services.SystemData(
        supplier_id=1, product="Jira Software Cloud", version_in_use="2026.10", deployment="saas",
        intended_use="CAPA tracking", qms_processes="CAPA", in_scope=True, scope_rationale="CAPA records",
        holds_part11_records=True, gamp_category="4"), author)
    services.add_function(system, author, description="Approve a CAPA", use="direct",
                          process_risk=ProcessRisk.HIGH, rationale="Wrong closure goes unnoticed")
    services.add_function(system, author, description="Search complaints", use="supporting",
                          process_risk=ProcessRisk.NOT_HIGH, rationale="Errors are visible at once")
    system_id = system.id
    db.session.commit()
    base = live_server

    # The engineer writes the protocol.
    sign_in(page, base, "erin")
    page.goto(f"{base}/validation/systems/{system_id}")
    page.get_by_role("button", name="Write the validation protocol").click()
    expect(page.get_by_role("heading", name=re.compile("Protocol v1"))).to_be_visible()
    protocol_url = page.url
    page.get_by_label("Scope").fill("CAPA workflow and complaint search")
    page.get_by_label("Acceptance criteria").fill("Every scripted step passes")
    page.get_by_role("button", name="Save protocol text").click()
    expect(page.get_by_text("Protocol saved.")).to_be_visible()
    page.get_by_label("Method").select_option("unscripted_exploratory")
    page.get_by_label("Function covered").select_option(label="Search complaints (not high risk)")
    page.get_by_label("Objective").fill("Explore complaint search")
    page.get_by_role("button", name="Add test case").click()
    expect(page.get_by_text("Test case added.")).to_be_visible()

    # Stopped: the high-risk function has no scripted test yet.
    e_sign(page, "Sign as author and send to review")
    expect(page.locator(".flash-error")).to_contain_text("Not covered: Approve a CAPA")
    screenshot(page, "validation-1-review-refused-coverage")

    page.get_by_text("Add a test case").click()
    page.get_by_label("Method").select_option("scripted")
    page.get_by_label("Function covered").select_option(label="Approve a CAPA (high risk)")
    page.get_by_label("Objective").fill("A CAPA is approved only by the owner's manager")
    page.get_by_role("button", name="Add test case").click()
    expect(page.locator("#case-method")).to_be_focused()  # settled: typing now stays in the field it is meant for
    step_form = page.locator("article", has_text="TC-2").locator("form.grid")
    step_form.get_by_label("Action").fill("Approve the CAPA as the manager")
    step_form.get_by_label("Expected result").fill("The CAPA is approved and the history shows who")
    step_form.get_by_role("button", name="Add step to TC-2").click()
    expect(page.get_by_text("Step added.")).to_be_visible()
    expect(step_form.get_by_label("Action")).to_be_focused()  # the fresh step form, ready for the next step
    e_sign(page, "Sign as author and send to review")
    expect(page.get_by_text("Signed as authored and sent to review.")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("In review")

    # The author (who also holds QA) sees no approval and no review, and the server refuses both.
    expect(page.get_by_role("button", name="Approve the protocol")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign as reviewed")).to_have_count(0)
    protocol_id = int(protocol_url.rstrip("/").rsplit("/", 1)[1])
    refused = page.request.post(f"{base}/validation/protocols/{protocol_id}/approve",
                                form={"approve-meaning": "approved", "approve-password": PASSWORD})
    assert refused.status == 403
    refused = page.request.post(f"{base}/validation/protocols/{protocol_id}/review",
                                form={"review-meaning": "reviewed", "review-password": PASSWORD})
    assert refused.status == 403
    screenshot(page, "validation-2-in-review-author-view")

    # A second user reviews.
    sign_in(page, base, "rob")
    page.goto(protocol_url)
    e_sign(page, "Sign as reviewed")
    expect(page.get_by_text("Signed as reviewed.")).to_be_visible()

    # QA approves.
    sign_in(page, base, "quinn")
    page.goto(protocol_url)
    e_sign(page, "Approve the protocol", comment="Approved for execution")
    expect(page.get_by_text("Protocol approved.")).to_be_visible()
    screenshot(page, "validation-3-approved-signatures")

    # A tester executes: one failure opens a deviation.
    sign_in(page, base, "tess")
    page.goto(protocol_url)
    page.get_by_role("button", name="Start execution").click()
    page.get_by_label("Test case and step").select_option(option_value(page, "run-target", "TC-2 step 1"))
    page.get_by_label("Actual result").fill("The approve transition is missing for the manager")
    page.get_by_label("Outcome").select_option("fail")
    page.get_by_role("button", name="Record result").click()
    expect(page.get_by_text("Failure recorded. A deviation was opened.")).to_be_visible()
    page.get_by_label("Test case and step").select_option(option_value(page, "run-target", "TC-1 "))
    page.get_by_label("Actual result").fill("Search and filters return the expected complaints")
    page.get_by_label("Outcome").select_option("pass")
    page.get_by_role("button", name="Record result").click()
    expect(page.get_by_text("Result recorded.")).to_be_visible()
    screenshot(page, "validation-4-execution-with-deviation")

    # The engineer who executed the failed test opens the deviation read-only: no closing form, and the server
    # refuses his closure (deviations are closed by QA).
    page.locator("#deviations").get_by_role("link", name="DEV-1").click()
    expect(page.get_by_role("heading", name=re.compile("DEV-1"))).to_be_visible()
    expect(page.get_by_text("QA closes deviations with a signature")).to_be_visible()
    expect(page.get_by_role("button", name="Close and sign")).to_have_count(0)
    deviation_url = page.url
    refused = page.request.post(f"{deviation_url}/close", form={
        "severity": "minor", "severity_reason": "Mine to judge", "impact": "None", "disposition": "workaround",
        "rationale": "Closing my own", "username": "tess", "password": PASSWORD})
    assert refused.status == 403
    screenshot(page, "validation-5-deviation-engineer-refused")

    # QA closes the deviation with a signature; lowering the severity needs a reason.
    sign_in(page, base, "quinn")
    page.goto(deviation_url)
    page.get_by_label("Severity", exact=True).select_option("minor")
    page.get_by_label("Impact on the intended use").fill("None: the approver group was not configured")
    page.get_by_label("Disposition").select_option("procedural_control")
    page.get_by_label("Closure rationale").fill("Configuration checklist updated; manager approval re-checked")
    e_sign(page, "Close and sign")
    expect(page.locator(".flash-error")).to_contain_text("from major to minor needs a reason")
    page.get_by_label("Reason for a change of severity").fill("No record was affected; configuration only")
    e_sign(page, "Close and sign")
    expect(page.get_by_text("DEV-1 closed and signed.")).to_be_visible()
    signatures = page.get_by_role("region", name="Signatures")
    expect(signatures).to_contain_text("Quinn Quality")
    expect(signatures).to_contain_text("Approved")
    expect(page.locator("#deviation")).to_contain_text("No record was affected; configuration only")
    screenshot(page, "validation-6-deviation-closed-by-qa")

    # The tester completes execution and writes and signs the report as its author.
    sign_in(page, base, "tess")
    page.goto(protocol_url)
    page.get_by_role("button", name="Complete execution").click()
    expect(page.get_by_role("heading", name=re.compile("Validation report"))).to_be_visible()
    page.get_by_label("Conclusion").select_option("fit")
    page.get_by_label("Summary").fill("Fit for CAPA approval and complaint search")
    page.get_by_role("button", name="Save the report").click()
    expect(page.get_by_text("Report saved.")).to_be_visible()
    e_sign(page, "Sign the report as its author")
    expect(page.get_by_text("Report signed as authored")).to_be_visible()
    expect(page.get_by_role("button", name="Approve the report")).to_have_count(0)  # a tester never approves
    report_url = page.url

    # The author cannot approve the report either (hidden and refused).
    sign_in(page, base, "erin")
    page.goto(report_url)
    expect(page.get_by_role("button", name="Approve the report")).to_have_count(0)
    refused = page.request.post(f"{base}/validation/protocols/{protocol_id}/report/approve",
                                form={"report-meaning": "approved", "report-username": "erin",
                                      "report-password": PASSWORD})
    assert refused.status == 403

    # QA approves the report: the system is released with the next review date.
    sign_in(page, base, "quinn")
    page.goto(report_url)
    screenshot(page, "validation-7-report-before-approval")
    e_sign(page, "Approve the report")
    expect(page.get_by_text("Report approved.")).to_be_visible()
    expect(page.get_by_test_id("validation-status").locator(".badge").first).to_have_text("Released")
    expect(page.get_by_test_id("validated-version")).to_have_text("2026.10")
    today = services.today()
    expected = today.replace(year=today.year + 1) if not (today.month == 2 and today.day == 29) else \
        today.replace(year=today.year + 1, day=28)
    expect(page.get_by_test_id("next-review")).to_contain_text(expected.isoformat())
    screenshot(page, "validation-8-system-released")
    page.goto(f"{base}/")
    expect(page.locator("#validation-status-chart")).to_be_visible()
    screenshot(page, "validation-9-home-panel")
