"""Plain helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

PASSWORD = "correct-horse-battery-staple"
REALWORLD = Path(__file__).resolve().parent.parent.parent / "shared" / "realworld"
DATA = Path(__file__).resolve().parent / "data"


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the real login form."""
    return client.post("/login", data={"username": username, "password": password})


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form (or meta tag) on a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
