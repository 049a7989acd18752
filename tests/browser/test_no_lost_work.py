"""In Chromium: work typed into a form survives an expired session or an expired form. The form comes back filled,
after signing in again, instead of an error page; before the session ends, a notice offers to stay signed in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.access import Role
from tests.helpers import PASSWORD, sign_in

pytestmark = pytest.mark.browser


def fill_new_supplier(page, base: str) -> None:
    page.goto(f"{base}/suppliers/new")
    page.locator("#code").fill("SUP-777")
    page.locator("#name").fill("Restored Tools Ltd")
    page.locator("#kind").select_option("commercial_vendor")
    page.get_by_label("What it supplies (scope)").fill("Calibration software, two pages of notes typed by hand")
    page.get_by_label("Supplies SOUP for a class B software item").check()


def expect_filled_again(page) -> None:
    expect(page.locator("#code")).to_have_value("SUP-777")
    expect(page.locator("#name")).to_have_value("Restored Tools Ltd")
    expect(page.locator("#kind")).to_have_value("commercial_vendor")
    expect(page.get_by_label("What it supplies (scope)")).to_have_value(
        "Calibration software, two pages of notes typed by hand")
    expect(page.get_by_label("Supplies SOUP for a class B software item")).to_be_checked()
    expect(page.locator("form[data-restored]")).to_have_count(1)
    assert "restore=" not in page.url


def test_a_form_sent_after_the_session_ended_comes_back_filled_after_signing_in_again(
        app, live_server, page, make_user, screenshot):
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    sign_in(page, live_server, "pat")
    fill_new_supplier(page, live_server)

    app.config["SESSION_INACTIVITY_MINUTES"] = 0  # the session is now older than the inactivity limit
    try:
        page.get_by_role("button", name="Create supplier").click()
        page.wait_for_url(re.compile(r"/login\?next="))
    finally:
        app.config["SESSION_INACTIVITY_MINUTES"] = 15
    expect(page.locator(".flash")).to_contain_text("Nothing was saved: what you typed is put back")
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/suppliers/new"))
    expect_filled_again(page)
    expect(page.locator(".restored-note")).to_contain_text("What you typed before is back in this form")
    screenshot(page, "no-lost-work-restored")

    page.get_by_role("button", name="Create supplier").click()
    expect(page.get_by_role("heading", name=re.compile("Restored Tools Ltd"))).to_be_visible()


def test_a_form_whose_token_expired_comes_back_filled_instead_of_an_error_page(app, live_server, page, make_user):
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    app.config["WTF_CSRF_ENABLED"] = True  # the suite turns CSRF off; this test needs the real check
    try:
        sign_in(page, live_server, "pat")
        fill_new_supplier(page, live_server)
        page.locator("#csrf_token").evaluate("el => el.value = 'expired'")  # as after a new sign-in in another tab

        page.get_by_role("button", name="Create supplier").click()
        expect(page.locator(".flash")).to_contain_text("Nothing was saved, because the form had expired")
        expect_filled_again(page)
        page.get_by_role("button", name="Create supplier").click()  # the page's token is current again
        expect(page.get_by_role("heading", name=re.compile("Restored Tools Ltd"))).to_be_visible()
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_notice_before_the_session_ends_keeps_the_user_signed_in(app, live_server, page, make_user):
    """The browser's clock is the test's (Playwright's fake timers), so the notice comes when the test moves time on,
    however loaded the machine: the configured inactivity ends the session, the notice comes 2 minutes before."""
    warn_at_ms = (app.config["SESSION_INACTIVITY_MINUTES"] * 60 - 120) * 1000
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    sign_in(page, live_server, "pat")
    page.clock.install()
    page.goto(f"{live_server}/suppliers/")
    expect(page.locator("#main")).to_be_visible()
    # The navigation loads the task count after the page; its answer restarts the page's timers (any htmx request
    # does), so time moves on only once it has been swapped in (on a loaded machine it once came after the move).
    expect(page.locator("nav span[hx-trigger='load']")).to_have_count(0)
    notice = page.locator(".session-notice")
    page.clock.run_for(warn_at_ms - 10_000)
    expect(notice).to_have_count(0)
    page.clock.run_for(15_000)
    expect(notice).to_contain_text("You will be signed out in 2 minute(s)")

    with page.expect_response(re.compile(r"/account/keepalive$")) as keepalive:
        notice.get_by_role("button", name="Stay signed in").click()
    assert keepalive.value.status == 204  # the server's inactivity timer restarts (tests/auth/test_login.py)
    expect(notice).to_have_count(0)
    page.clock.run_for(warn_at_ms - 10_000)  # the page's timers restarted with it
    expect(notice).to_have_count(0)
    page.clock.run_for(15_000)
    expect(notice).to_contain_text("You will be signed out")
    page.goto(f"{live_server}/suppliers/")
    expect(page).to_have_url(f"{live_server}/suppliers/")  # still signed in: no detour by the login page


def test_a_notice_before_the_sessions_maximum_length_says_to_save_the_work(app, live_server, page, make_user):
    """Fake browser timers again: the page counts down the seconds the server says are left. The maximum length is
    12 minutes here, so that it comes before the inactivity notice (13 minutes)."""
    make_user("pat", Role.PURCHASING, full_name="Pat Purchasing")
    sign_in(page, live_server, "pat")
    app.config["SESSION_ABSOLUTE_LIFETIME_HOURS"] = 0.2
    try:
        page.clock.install()
        page.goto(f"{live_server}/suppliers/new")
        limit = int(page.locator('meta[name="session-limit-seconds"]').get_attribute("content"))
        assert 600 < limit <= 720
        notice = page.locator(".session-notice")
        page.clock.run_for((limit - 125) * 1000)
        expect(notice).to_have_count(0)
        page.clock.run_for(10_000)
        expect(notice).to_contain_text("Your session reaches its maximum length")
        expect(notice).to_contain_text("Save what you are typing now")
        expect(notice.get_by_role("button", name="Stay signed in")).to_have_count(0)  # staying cannot lengthen it
        page.clock.run_for(120_000)
        expect(notice).to_contain_text("Your session has ended")
    finally:
        app.config["SESSION_ABSOLUTE_LIFETIME_HOURS"] = 12


def test_an_autosave_answered_busy_is_sent_again_by_itself_after_retry_after(app, live_server, page, make_user):
    """Fault injected at the browser's network layer: the server answers the supplier's first save 503 (busy or
    restarting, Retry-After: 1). The status says it is not saved yet and the answer is sent again by itself."""
    from app.extensions import db
    from app.questionnaires.models import Evaluation
    from tests.questionnaires.factories import make_supplier, sent

    evaluation, token = sent(make_user("pat", Role.PURCHASING), make_supplier("SUP-503", "Busy Day Ltd"))
    db.session.commit()
    refused = []

    def busy_once(route):
        if refused:
            route.continue_()
            return
        refused.append(route.request.url)
        route.fulfill(status=503, headers={"Retry-After": "1"}, body="Busy, try again")

    page.route(re.compile(r".*/answers/C3$"), busy_once)
    page.goto(f"{live_server}/portal/{token}")
    field = page.locator("#q-C3 [name=answer]")
    field.fill("12")
    field.blur()
    expect(page.locator("#status-C3")).to_contain_text("Not saved yet: the server is busy")
    expect(page.locator("#status-C3")).to_contain_text("Saved")
    assert len(refused) == 1
    db.session.expire_all()
    assert db.session.get(Evaluation, evaluation.id).answers["C3"] == "12"
