"""In Chromium: the evaluator's conditional question appears as soon as the answer it depends on is given, so one save
holds both; the decision form comes with the score's suggested decision chosen; answered sections fold."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.access import Role
from app.extensions import db
from tests.helpers import sign_in
from tests.questionnaires.factories import submitted

pytestmark = pytest.mark.browser


def test_a_conditional_evaluator_question_appears_live_and_one_save_holds_it(live_server, page, make_user,
                                                                              screenshot):
    pat = make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    make_user("quinn", Role.QA, full_name="Quinn Quality")
    evaluation, _token = submitted(pat)
    url = f"{live_server}/questionnaires/evaluations/{evaluation.id}"
    db.session.commit()
    db.session.close()  # no transaction of the test's own stays open while the server writes

    sign_in(page, live_server, "quinn")
    page.goto(url)
    evaluator = page.locator("#evaluator")
    expect(evaluator.locator("#eq-C13b")).to_be_hidden()  # shown only when the system holds Part 11 records
    evaluator.locator("#eq-C6").get_by_label("Fully").check()
    evaluator.locator("#eq-C8").get_by_label("None that affect our use").check()
    evaluator.locator("#eq-C13a").get_by_label("Yes", exact=True).check()
    expect(evaluator.locator("#eq-C13b")).to_be_visible()
    evaluator.locator("#eq-C13b").get_by_label("Yes", exact=True).check()
    evaluator.get_by_role("button", name="Save evaluator answers").click()
    expect(page.get_by_text("Evaluator answers saved.")).to_be_visible()
    expect(page.locator("#eq-C13b input[value=yes]")).to_be_checked()  # kept by the first and only save

    page.get_by_role("button", name="Score the answers").click()
    expect(page.get_by_test_id("score")).to_have_text("100.0 %")
    expect(page.locator("input[name=decision][value=approved]")).to_be_checked()  # the suggested decision
    expect(page.locator("details.answer-section[open]")).to_have_count(1)  # the first section; the others fold
    screenshot(page, "evaluation-page-compact")
