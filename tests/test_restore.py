"""Where a form refused for an expired session or token goes back to: its own page on this site, never elsewhere."""

from __future__ import annotations

import pytest

from app.restore import restore_target


@pytest.mark.parametrize(("referrer", "expected"), [
    ("http://localhost/suppliers/new", "/suppliers/new?restore=1"),
    ("http://localhost/suppliers/?q=acme&restore=1", "/suppliers/?q=acme&restore=1"),
    ("http://evil.example/suppliers/new", None),
    ("javascript:alert(1)", None),
    ("http://localhost/login?next=/x", None),
    ("", None),
    (None, None),
])
def test_a_refused_form_goes_back_to_its_own_page_on_this_site(app, referrer, expected):
    with app.test_request_context("/suppliers/new", method="POST", base_url="http://localhost"):
        assert restore_target(referrer) == expected
