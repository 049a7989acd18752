"""The issue's "done when", in Chromium: purchasing creates a supplier and sends the default commercial
questionnaire; the supplier answers through the link without an account (a conditional question and an
evidence upload included), leaves, comes back to its draft and submits; the link then says it was already
submitted; QA sees the breakdown and signs "approved"; the supplier is on the approved supplier list with
next due = decision date + its period (major: 24 months)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from app.access import Role
from app.extensions import db
from app.portal.ratelimit import limiter
from app.questionnaires import services
from app.suppliers import rules
from tests.helpers import fill_signature, sign_in
from tests.questionnaires.factories import PDF

pytestmark = pytest.mark.browser

SUPPLIER_ANSWERS_FIRST_VISIT = {"C12": "Yes, routinely", "C2": "ISO/IEC 27001 certificate", "C9": "Yes, bug fixes and security patches"}
SUPPLIER_ANSWERS_SECOND_VISIT = {
    "C10": "Within 30 days", "C4": "More than 3", "C5": "More than 50 million euros", "C7": "Yes, publicly",
    "C11": "Yes, before release", "C13": "Yes, complete and readable",
}


def choose(page: Page, code: str, label: str) -> None:
    """Pick an option of one question and wait for the autosave to confirm."""
    page.locator(f"#q-{code}").get_by_label(label, exact=True).check()
    expect(page.locator(f"#status-{code}")).to_contain_text("Saved")


def type_answer(page: Page, code: str, text: str, outcome: str = "Saved") -> None:
    field = page.locator(f"#q-{code} [name=answer]")
    field.fill(text)
    field.blur()
    expect(page.locator(f"#status-{code}")).to_contain_text(outcome)


def test_supplier_qualification_end_to_end(live_server, page, browser: Browser, make_user, screenshot, tmp_path):
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    services.ensure_default_templates()
    db.session.commit()
    limiter.reset()
    evidence = tmp_path / "iso13485-certificate.pdf"
    evidence.write_bytes(PDF)

    # Purchasing creates the supplier (class B SOUP -> major) with a contact.
    sign_in(page, live_server, "pat")
    page.goto(f"{live_server}/suppliers/new")
    page.locator("#code").fill("NIMBUS")
    page.locator("#name").fill("Nimbus Imaging Ltd")
    page.locator("#scope").fill("DICOM viewer SDK used in the device")
    page.get_by_label("Supplies SOUP for a class B software item").check()
    page.locator("#contact_name").fill("Sam Supplier")
    page.locator("#contact_email").fill("sam@nimbus.example")
    page.get_by_role("button", name="Create supplier").click()
    expect(page.get_by_role("heading", name="Evaluations")).to_be_visible()
    screenshot(page, "s2-01-supplier-created")

    # ... starts an evaluation with the default commercial questionnaire and sends it.
    section = page.locator("#evaluations")
    assert "Commercial software vendor v1" in section.locator("#template_id").inner_text()
    section.get_by_role("button", name="Start evaluation").click()
    expect(page.get_by_role("heading", name=re.compile("Evaluation EV-"))).to_be_visible()
    expect(page.locator("#contact_email")).to_have_value("sam@nimbus.example")
    page.get_by_role("button", name="Send questionnaire").click()
    link = page.get_by_test_id("portal-link").inner_text().strip()
    assert "/portal/" in link
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    screenshot(page, "s2-02-evaluation-sent")

    # The supplier opens the link in a fresh context, without an account.
    supplier_context = browser.new_context()
    portal = supplier_context.new_page()
    portal.on("dialog", lambda dialog: dialog.accept())
    portal.goto(link)
    expect(portal.get_by_role("heading", name="Questionnaire for Nimbus Imaging Ltd")).to_be_visible()
    expect(portal.get_by_text("Example Medical Devices Ltd asks you")).to_be_visible()
    assert portal.locator("[data-question=C6]").count() == 0  # evaluator questions never reach the supplier
    screenshot(portal, "s2-03-portal-opened")

    # A conditional question shows once its controller is answered; evidence is uploaded.
    expect(portal.locator("#q-C1a")).to_be_hidden()
    choose(portal, "C1", "ISO 13485")
    expect(portal.locator("#q-C1a")).to_be_visible()
    type_answer(portal, "C1a", "QMS 765432, issued by BSI")
    type_answer(portal, "C1b", "2028-06-30")
    portal.locator("#file-C1").set_input_files(str(evidence))
    portal.locator("#q-C1").get_by_role("button", name="Upload").click()
    expect(portal.get_by_text("iso13485-certificate.pdf uploaded.")).to_be_visible()
    for code, label in SUPPLIER_ANSWERS_FIRST_VISIT.items():
        choose(portal, code, label)
    type_answer(portal, "C3", "twelve", outcome="Enter a number")  # a wrong answer gets its own message ...
    screenshot(portal, "s2-04-portal-answering")
    type_answer(portal, "C3", "12")  # ... and is corrected

    # The supplier leaves and comes back later: the draft is there.
    portal.close()
    portal = supplier_context.new_page()
    portal.on("dialog", lambda dialog: dialog.accept())
    portal.goto(link)
    expect(portal.locator("#q-C1").get_by_label("ISO 13485", exact=True)).to_be_checked()
    expect(portal.locator("#q-C1a [name=answer]")).to_have_value("QMS 765432, issued by BSI")
    expect(portal.locator("#q-C1").get_by_role("link", name="iso13485-certificate.pdf")).to_be_visible()
    expect(portal.locator("#q-C3 [name=answer]")).to_have_value("12")
    for code, label in SUPPLIER_ANSWERS_SECOND_VISIT.items():
        choose(portal, code, label)
    screenshot(portal, "s2-05-portal-back-to-draft")

    portal.get_by_role("button", name="Review and submit").click()
    expect(portal.get_by_role("heading", name="Check your answers")).to_be_visible()
    screenshot(portal, "s2-06-portal-review")
    portal.get_by_role("button", name="Submit answers").click()
    expect(portal.get_by_role("heading", name="Thank you, your answers were submitted")).to_be_visible()
    reference = portal.get_by_test_id("receipt-reference").inner_text()
    assert reference.startswith("EV-")
    screenshot(portal, "s2-07-portal-receipt")

    portal.goto(link)
    expect(portal.get_by_role("heading", name="This questionnaire was already submitted")).to_be_visible()
    expect(portal.get_by_text(reference)).to_be_visible()
    screenshot(portal, "s2-08-portal-already-submitted")
    supplier_context.close()

    # QA answers the evaluator questions, scores, sees the breakdown and signs "approved".
    qa_context = browser.new_context()
    qa = qa_context.new_page()
    sign_in(qa, live_server, "quinn")
    qa.goto(f"{live_server}/questionnaires/evaluations")
    qa.get_by_role("link", name=reference).click()
    evaluator = qa.locator("#evaluator")
    evaluator.locator("#eq-C6").get_by_label("Fully").check()
    evaluator.locator("#eq-C8").get_by_label("None that affect our use").check()
    evaluator.locator("#eq-C13a").get_by_label("No", exact=True).check()
    evaluator.get_by_role("button", name="Save evaluator answers").click()
    expect(qa.get_by_text("Evaluator answers saved.")).to_be_visible()
    qa.get_by_role("button", name="Score the answers").click()
    expect(qa.get_by_test_id("score")).to_have_text("100.0 %")
    breakdown = qa.get_by_role("table", name="Score breakdown")
    expect(breakdown).to_contain_text("C1")
    expect(breakdown).to_contain_text("ISO 13485")
    screenshot(qa, "s2-09-qa-breakdown")

    decision = qa.locator("#decision")
    decision.get_by_label("Approved", exact=True).check()
    decision.get_by_label("Rationale").fill("Certified QMS, patches within 30 days, no open major bugs: 100 %.")
    fill_signature(qa, decision)
    qa.get_by_role("button", name="Sign the decision").click()
    expect(qa.get_by_text("Decision signed: approved.")).to_be_visible()
    expect(qa.get_by_role("region", name="Signatures")).to_contain_text("Quinn Quality")
    screenshot(qa, "s2-10-qa-signed")

    # The supplier is on the approved supplier list, next due = decision date + 24 months (major).
    qa.goto(f"{live_server}/suppliers/approved")
    row = qa.get_by_role("row", name=re.compile("Nimbus Imaging Ltd"))
    expect(row).to_be_visible()
    decided_on = date.today()
    expected_due = rules.next_due(decided_on, 24)
    assert expected_due == decided_on.replace(year=decided_on.year + 2)
    expect(row).to_contain_text(expected_due.isoformat())
    expect(row).to_contain_text("100")
    screenshot(qa, "s2-11-approved-supplier-list")

    # The supplier page: the certificate declared in the answers is in the register, and the decision signature shows.
    row.get_by_role("link", name="Nimbus Imaging Ltd").click()
    expect(qa.locator("#certificates")).to_contain_text("QMS 765432, issued by BSI")
    expect(qa.locator("#certificates")).to_contain_text("2028-06-30")
    expect(qa.get_by_role("region", name="Decision signature")).to_contain_text("Quinn Quality")
    expect(qa.get_by_text("Not signed yet")).to_have_count(0)
    screenshot(qa, "s2-12-supplier-certificate-and-decision")
    qa_context.close()
