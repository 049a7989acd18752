"""Plain helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

PASSWORD = "correct-horse-battery-staple"
REALWORLD = Path(__file__).resolve().parent.parent.parent / "shared" / "realworld"
DATA = Path(__file__).resolve().parent / "data"


_signed_in_as: dict[int, str] = {}  # who each test client and browser page signed in as


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the real login form."""
    response = client.post("/login", data={"username": username, "password": password})
    _signed_in_as[id(client)] = username
    return response


def signing(client: Any, prefix: str = "", password: str = PASSWORD, **fields: Any) -> dict[str, Any]:
    """The fields of a signing form posted by `client`: the user name it signed in with (asked at a session's
    first signing, 21 CFR 11.200(a)(1)), the password and the given fields, with the form's prefix if any."""
    name = (lambda field: f"{prefix}-{field}") if prefix else (lambda field: field)
    return {name("username"): _signed_in_as[id(client)], name("password"): password,
            **{name(key): value for key, value in fields.items()}}


# The bound for a browser step that starts long work in the request (importing 3,000 advisories takes seconds alone
# and several times longer on a loaded machine): the step waits for the result page, up to this long.
LONG_WORK_MS = 180_000


def sign_in(page: Any, base: str, username: str) -> None:
    """In Chromium: sign in through the login page as someone new at the desk (the browser's cookies are
    dropped first) and land on the home page."""
    # Let the page finish what it loads after itself (the task count, a draft), then leave it: a request still in
    # flight would otherwise answer after the cookies are dropped and set the previous user's session cookie again.
    if page.url.startswith(base):
        page.wait_for_load_state("networkidle")
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    _signed_in_as[id(page)] = username


def htmx_settled(page: Any) -> None:
    """In Chromium: wait until no htmx request, swap or settle is under way. A fragment's flash shows at its swap,
    but htmx gives the focus to its `autofocus` field only when it settles, a moment later: typing in between would
    land in that field."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def fill_signature(page: Any, scope: Any = None) -> None:
    """In Chromium: fill a signing form (in `scope`, default the page): the user name when it asks for it (the
    session's first signing, 21 CFR 11.200(a)(1)) and the test password."""
    area = scope or page
    htmx_settled(page)
    username = area.get_by_label("Your user name")
    if username.count():
        username.fill(_signed_in_as[id(page)])
    area.get_by_label("Your password").fill(PASSWORD)


def e_sign(page: Any, button: str, comment: str | None = None) -> None:
    """In Chromium: sign the page's signature form with the test password (and the comment), pressing `button`."""
    fill_signature(page)
    if comment is not None:
        page.get_by_label("Comment").fill(comment)
    page.get_by_role("button", name=button).click()


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form (or meta tag) on a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@contextmanager
def captured_sql() -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends meanwhile (text as sent, lower-cased)."""
    from sqlalchemy import event

    from app.extensions import db

    statements: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.lower().split()))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def sign_in_elsewhere(app: Any, username: str) -> int:
    """Sign in from another thread, as another browser would (its own context, session and connection, nothing
    of the caller's transaction committed): the status of the answer (302 signed in; 500 when the database was
    locked)."""
    import threading

    status: list[int] = []
    thread = threading.Thread(target=lambda: status.append(login(app.test_client(), username).status_code))
    thread.start()
    thread.join()
    return status[0]


def run_worker(app: Any = None) -> int:
    """Run what waits in the worker's queue now, in this process, as `flask worker drain` does; return how many
    tasks ran. The test's own transaction ends first, and what it holds is read again afterwards."""
    from flask import current_app

    from app.extensions import db
    from app.jobs import queue

    db.session.commit()
    count = queue.drain(app or current_app._get_current_object())
    db.session.expire_all()
    return count
