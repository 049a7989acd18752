"""In Chromium: a double click on a form's button saves it once (app/submissions.py). The browser sends the form
twice; the second send is answered with the page the first one saved, or, when it came before the first had
finished, with the page that says it was saved once."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from playwright.sync_api import Request, expect
from sqlalchemy import func, select

from app.access import Role
from app.extensions import db
from app.validation import services
from app.validation.models import SoftwareSystem
from tests.helpers import sign_in
from tests.validation.factories import make_supplier

pytestmark = pytest.mark.browser


def test_a_double_click_on_register_makes_one_system(live_server, page, make_user, screenshot, monkeypatch):
    make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    make_supplier("ATL")
    db.session.commit()
    sign_in(page, live_server, "erin")
    page.goto(f"{live_server}/validation/systems/new")
    page.get_by_label("Supplier").select_option(index=1)
    page.get_by_label("Product").fill("Jira Software Cloud")
    page.get_by_label("Version in use").fill("2026.10")
    page.get_by_label("Intended use").fill("CAPA tracking")
    page.get_by_label("Rationale of the regulatory-use assessment").fill("CAPA records are quality records")

    sent: list[str] = []
    second_sent = threading.Event()

    def seen(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/systems/new"):
            sent.append(request.url)
            if len(sent) == 2:
                second_sent.set()

    def create_when_the_second_is_on_its_way(*args: Any, **kwargs: Any) -> Any:
        # The server is still saving the first send when the second click comes, as with a busy server.
        second_sent.wait(timeout=20)
        return create_system(*args, **kwargs)

    create_system = services.create_system
    monkeypatch.setattr(services, "create_system", create_when_the_second_is_on_its_way)
    page.on("request", seen)
    box = page.get_by_role("button", name="Register").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)  # the mouse, as a person's hand: no wait for the page between the two clicks
    page.wait_for_timeout(100)  # a person's double click: the second comes while the first is on its way
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/validation/systems/\d+$|/systems/new$"))
    page.wait_for_load_state("networkidle")

    expect(page.locator("body")).to_contain_text(re.compile("already sent with these values, and saved then"))
    screenshot(page, "double-submit")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SoftwareSystem)) == 1
    assert len(sent) == 2  # the browser did send the form twice
