"""In Chromium, on the demo data: every page of every role opens without a console error (a CSP violation, a
missing file, a script error) and without a duplicate element id; at 375 px the main navigation opens from its
"Menu" button, every link in it is reachable, and no page scrolls sideways (docs/ui.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, url_for
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.access import Role
from app.auth.models import User
from app.demo import DEMO_PASSWORD, seed_all
from app.documents import services as documents
from app.documents.models import DocumentTemplate, GeneratedDocument
from app.extensions import db
from app.inventory.advisories.models import Advisory
from app.inventory.models import Component, Product, Release
from app.inventory.risks.models import Hazard
from app.jobs.models import Job
from app.questionnaires.models import Evaluation, QuestionnaireTemplate
from app.sources.models import ScorecardRecord, SourceResponse
from app.suppliers.models import PurchaseRecord, Supplier
from app.validation.models import Deviation, Protocol, Report, SoftwareSystem
from tests.test_permission_matrix import allowed, declared

pytestmark = pytest.mark.browser

# One detail page of each record kind: endpoint -> (URL argument, the column whose first demo value it takes).
DETAIL_PAGES: dict[str, tuple[str, Any]] = {
    "suppliers.detail": ("supplier_id", Supplier.id),
    "suppliers.purchases_detail": ("purchase_id", PurchaseRecord.id),
    "questionnaires.templates_detail": ("template_id", QuestionnaireTemplate.id),
    "questionnaires.evaluations_detail": ("evaluation_id", Evaluation.id),
    "inventory.products_detail": ("product_id", Product.id),
    "inventory.releases_detail": ("release_id", Release.id),
    "inventory.release_requirements": ("release_id", Release.id),
    "inventory.test_results_list": ("release_id", Release.id),
    "inventory.product_requirements": ("product_id", Product.id),
    "inventory.components_detail": ("component_id", Component.id),
    "inventory.advisories_detail": ("advisory_id", Advisory.id),
    "inventory.hazards_list": ("product_id", Product.id),
    "inventory.traceability_matrix": ("release_id", Release.id),
    "inventory.hazards_detail": ("hazard_id", Hazard.id),
    "validation.systems_detail": ("system_id", SoftwareSystem.id),
    "validation.protocols_detail": ("protocol_id", Protocol.id),
    "validation.reports_detail": ("protocol_id", Report.protocol_id),
    "validation.deviations_detail": ("deviation_id", Deviation.id),
    "documents.detail": ("document_id", GeneratedDocument.id),
    "documents.templates_detail": ("template_id", DocumentTemplate.id),
    "auth.users_detail": ("user_id", User.id),
    "jobs.detail": ("job_id", Job.id),
    "sources.scorecards_detail": ("record_id", ScorecardRecord.id),
    "sources.response_detail": ("response_id", SourceResponse.id),
}
# Kinds the demo data holds no record of (background jobs and public-source answers come from the worker and the
# internet, Word templates from an admin's upload): their detail pages are opened by the tests of their own area.
NOT_IN_THE_DEMO = {"jobs.detail", "sources.scorecards_detail", "sources.response_detail", "documents.templates_detail"}
# Parameterless GET routes that are not pages: a download, the sign-in page (a signed-in user is sent home), and the
# fragments and JSON a page's scripts load into it (the navigation's task count, the record picker's options, drafts).
NOT_PAGES = {"audit.export_csv", "auth.login", "static", "inbox.count", "audit.record_options", "drafts.on_page"}
ROLES = (Role.ADMIN, Role.PURCHASING, Role.QA, Role.ENGINEER, Role.AUDITOR)

DUPLICATE_IDS = """() => {
  const seen = new Set(), duplicates = new Set();
  document.querySelectorAll('[id]').forEach((el) => { if (seen.has(el.id)) duplicates.add(el.id); seen.add(el.id); });
  return [...duplicates];
}"""
SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The outermost elements that stick out on the right (inside a scrolling table box is fine): names the culprit.
STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth, found = [];
  document.querySelectorAll('body *').forEach((el) => {
    if ((el.parentElement && el.parentElement.closest('.table-scroll')) || found.some((outer) => outer.contains(el))) return;
    if (el.getBoundingClientRect().right > width + 1) found.push(el);
  });
  return found.slice(0, 4).map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().split(/\\s+/).join('.') : '')
    + ' "' + (el.textContent || '').trim().slice(0, 30) + '"');
}"""


def main_pages(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, path) of every GET page without parameters, then one detail page of each record kind in the
    demo data."""
    pages = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if "GET" in (rule.methods or ()) and not rule.arguments and rule.endpoint not in NOT_PAGES:
                pages.append((rule.endpoint, url_for(rule.endpoint)))
        for endpoint, (argument, column) in DETAIL_PAGES.items():
            first = db.session.scalar(select(column).order_by(column).limit(1))
            if first is None:
                assert endpoint in NOT_IN_THE_DEMO, f"the demo data holds no record for {endpoint}"
                continue
            pages.append((endpoint, url_for(endpoint, **{argument: first})))
    return pages


@pytest.fixture
def demo(app: Flask) -> Iterator[list[tuple[str, str]]]:
    """The demo data (as `make run` seeds it) and a generated document, and the pages to open."""
    users = seed_all(suppliers=0)
    documents.generate("approved_supplier_list", "current", by=users["purchasing"])
    db.session.commit()
    pages = main_pages(app)
    db.session.commit()  # end the read, so the test holds no database lock while the browser works
    yield pages


def sign_in_demo(page: Page, base: str, username: str) -> None:
    """Sign in as a demo user (password provenance-demo), as someone new at the desk."""
    if page.url.startswith(base):  # let the page's own requests end before its cookies go (see helpers.sign_in)
        page.wait_for_load_state("networkidle")
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def watch_console(page: Page) -> list[str]:
    """Console errors (CSP violations and failed loads among them) and uncaught script errors, as they happen."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


def open_page(page: Page, url: str) -> int:
    """Open a page and wait until the panels it loads after itself (htmx) are in."""
    response = page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return response.status if response else 0


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_every_page_of_every_role_opens_without_console_errors_or_duplicate_ids(
    app, live_server, page, demo, screenshot, role
):
    access = declared()
    sign_in_demo(page, live_server, str(role))
    errors = watch_console(page)
    failures, opened = [], 0
    for endpoint, path in demo:
        if not allowed(access[endpoint], role):
            continue
        errors.clear()
        status = open_page(page, live_server + path)
        opened += 1
        duplicates = page.evaluate(DUPLICATE_IDS)
        if status >= 400:
            failures.append(f"{path} ({endpoint}): HTTP {status}")
        if errors:
            failures.append(f"{path} ({endpoint}): console errors {errors}")
        if duplicates:
            failures.append(f"{path} ({endpoint}): duplicate ids {duplicates}")
    page.goto(live_server + "/")
    screenshot(page, f"ui-home-{role}")
    assert opened >= 15, f"only {opened} pages opened for {role}"
    assert not failures, "\n".join(failures)


def test_at_375_px_the_navigation_opens_and_no_page_scrolls_sideways(app, live_server, page, demo, screenshot):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in_demo(page, live_server, "admin")
    errors = watch_console(page)
    toggle = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Suppliers")).to_be_hidden()
    screenshot(page, "ui-375-home")

    toggle.focus()
    page.keyboard.press("Enter")  # the keyboard opens it
    expect(toggle).to_have_attribute("aria-expanded", "true")
    links = page.locator("#main-nav a")
    labels = links.all_inner_texts()
    assert {"Suppliers", "Inventory", "Validation", "Users", "Outbox"} <= set(labels)
    for index in range(links.count()):
        link = links.nth(index)
        expect(link).to_be_visible()
        expect(link).to_be_in_viewport()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, f"{labels[index]} sticks out: {box}"
    screenshot(page, "ui-375-navigation-open")
    page.keyboard.press("Escape")  # and closes it
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()

    toggle.click()
    nav.get_by_role("link", name="Suppliers").click()
    page.wait_for_url("**/suppliers/")

    failures, seen = [], set()
    access = declared()
    for role in (Role.ADMIN, Role.QA, Role.ENGINEER):  # between them they open every main page
        if role != Role.ADMIN:
            sign_in_demo(page, live_server, str(role))
        failures += narrow_pages(page, live_server, screenshot, errors,
                                 [(e, p) for e, p in demo if allowed(access[e], role) and p not in seen])
        seen |= {p for e, p in demo if allowed(access[e], role)}
    assert not failures, "\n".join(failures)


def narrow_pages(page: Page, base: str, screenshot: Any, errors: list[str], pages: list[tuple[str, str]]) -> list[str]:
    """Open each page at the current (narrow) width: what scrolls sideways or writes a console error."""
    failures = []
    for endpoint, path in pages:
        errors.clear()
        open_page(page, base + path)
        sideways = page.evaluate(SIDEWAYS_SCROLL)
        if sideways > 0:
            failures.append(f"{path} ({endpoint}): the page scrolls {sideways} px sideways: {page.evaluate(STICKING_OUT)}")
        if errors:
            failures.append(f"{path} ({endpoint}): console errors {errors}")
        if endpoint in ("suppliers.detail", "inventory.releases_detail", "validation.protocols_detail"):
            screenshot(page, f"ui-375-{endpoint.replace('.', '-')}")
    return failures
