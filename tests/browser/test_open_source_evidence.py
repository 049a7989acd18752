"""The issue's browser test, in Chromium with the real worker (huey consumer threads): import a poetry.lock, run
"Look up licences" with progress and see verdicts change from review to allow for the MIT/BSD packages; create the
open-source supplier of one package from the inventory, run "Collect evidence", accept the proposed answers, score,
and sign the decision. The registry, the Scorecard, deps.dev and GitHub are played by a local server (answers
recorded from PyPI; bodies as the APIs' references describe), the repository by a git mirror made in the test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.extensions import db
from app.inventory import services as inventory
from app.questionnaires import services as questionnaires
from tests.helpers import fill_signature, sign_in
from tests.inventory.factories import poetry_lock
from tests.questionnaires.test_evidence import six_world  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_open_source_evidence_end_to_end(live_server, page, browser, make_user, screenshot, six_world,  # noqa: F811
                                         worker_threads, tmp_path):
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    for name in ("flask", "packaging"):
        six_world.pypi(name)
    questionnaires.ensure_default_templates()
    product = inventory.create_product("Infusion pump", safety_class="B")
    release_id = inventory.create_release(product, "3.0").id
    db.session.commit()
    lockfile = tmp_path / "poetry.lock"
    lockfile.write_bytes(poetry_lock(("six", "1.17.0"), ("flask", "3.1.3"), ("packaging", "24.2")))
    release_url = f"{live_server}/releases/{release_id}"

    # QA imports the poetry.lock: no licence data, so every component is "not looked up yet" (review).
    sign_in(page, live_server, "quinn")
    page.goto(release_url)
    page.locator("#files").set_input_files(str(lockfile))
    page.get_by_role("button", name="Import", exact=True).click()
    page.locator("#import-summary").wait_for(state="visible")
    page.goto(release_url)
    licences = page.locator("#licences")
    expect(licences).to_contain_text("(not looked up yet)")
    expect(licences.locator(".stats")).to_contain_text("3")
    screenshot(page, "oss-01-imported-not-looked-up")

    # "Look up licences": the worker runs it, the page polls its progress until done.
    licences.get_by_role("button", name="Look up licences").click()
    expect(page.locator("#licences .job-progress")).to_be_visible()
    screenshot(page, "oss-02-lookup-progress")
    expect(page.locator("#licences .job-progress")).to_have_attribute("data-job-status", "done", timeout=60_000)
    page.reload()
    licences = page.locator("#licences")
    expect(licences).to_contain_text("3 found, 0 not found, 0 failed")
    expect(licences).not_to_contain_text("(not looked up yet)")
    assert licences.locator(".stats > div").first.inner_text().startswith("3")  # three allow
    screenshot(page, "oss-03-licences-allowed")
    page.get_by_role("link", name="six").first.click()
    expect(page.locator("dl.kv")).to_contain_text("Source: PyPI JSON API")
    screenshot(page, "oss-04-component-licence-source")

    # QA creates the open-source supplier of six from the inventory.
    page.goto(f"{live_server}/supplier-suggestions")
    row = page.locator("tr[data-group='repo:github.com/benjaminp/six']")
    row.get_by_role("button", name="Create supplier six").click()
    expect(page.get_by_text(re.compile(r"Supplier OSS-SIX six created as a candidate"))).to_be_visible()
    screenshot(page, "oss-05-supplier-created")

    # Purchasing starts the open-source evaluation and collects the evidence.
    buyer_context = browser.new_context()
    buyer = buyer_context.new_page()
    sign_in(buyer, live_server, "pat")
    buyer.goto(f"{live_server}/suppliers/")
    buyer.get_by_role("link", name="six").first.click()
    section = buyer.locator("#evaluations")
    section.locator("#template_id").select_option(label="Open-source project v1")
    section.get_by_role("button", name="Start evaluation").click()
    expect(buyer.get_by_role("heading", name=re.compile("Evaluation EV-"))).to_be_visible()
    buyer.locator("#proposals").get_by_role("button", name="Collect evidence").click()
    expect(buyer.locator("#proposals .job-progress")).to_have_attribute("data-job-status", "done", timeout=120_000)
    screenshot(buyer, "oss-06-evidence-collected")
    buyer.reload()
    proposals = buyer.get_by_role("table", name="Proposed answers")
    expect(proposals).to_contain_text("81,234 dependents")
    expect(proposals).to_contain_text("organisations")
    screenshot(buyer, "oss-07-proposed-answers")
    buyer.get_by_role("button", name=re.compile(r"Accept all \d+ proposed answers")).click()
    expect(buyer.get_by_text(re.compile(r"\d+ proposed answer\(s\) accepted\."))).to_be_visible()

    # The questions no figure answers are the evaluator's; then the score.
    evaluator = buyer.locator("#evaluator")
    evaluator.locator("#eq-O12").get_by_label("Within 7 days").check()
    evaluator.locator("#eq-O9").get_by_label("Yes, both").check()
    evaluator.locator("#eq-O5").get_by_label("Yes", exact=True).check()
    evaluator.locator("#eq-O6").get_by_label("None that affect our use").check()
    evaluator.get_by_role("button", name="Save evaluator answers").click()
    expect(buyer.get_by_text("Evaluator answers saved.")).to_be_visible()
    buyer.get_by_role("button", name="Score the answers").click()
    expect(buyer.get_by_test_id("score")).to_contain_text("%")
    expect(buyer.get_by_test_id("evidence-O2")).to_contain_text("20 commits in 90 days")
    screenshot(buyer, "oss-08-scored-with-evidence")
    heading = buyer.get_by_role("heading", name=re.compile("Evaluation EV-")).inner_text()
    reference = re.search(r"EV-[0-9A-Za-z-]+", heading).group(0)
    buyer_context.close()

    # QA signs the decision.
    page.goto(f"{live_server}/questionnaires/evaluations")
    page.get_by_role("link", name=reference).first.click()
    decision = page.locator("#decision")
    decision.get_by_label("Approved", exact=True).check()
    decision.get_by_label("Rationale").fill("Active, backed by several organisations, widely used, MIT licence.")
    fill_signature(page, decision)
    page.get_by_role("button", name="Sign the decision").click()
    expect(page.get_by_text("Decision signed: approved.")).to_be_visible()
    expect(page.get_by_role("region", name="Signatures")).to_contain_text("Quinn Quality")
    screenshot(page, "oss-09-decision-signed")
