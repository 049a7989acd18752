"""Headers and error pages: CSP self, no framing, nothing leaked."""

from __future__ import annotations


def test_every_page_carries_the_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    from app.access import Role
    from tests.helpers import login

    make_user("erin", Role.ENGINEER)
    cookie = login(client, "erin").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_have_no_inline_scripts(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and "onclick=" not in page and "onchange=" not in page


def test_404_page_is_generic(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)


def test_500_page_leaks_no_traceback(app):
    from app import create_app

    fresh = create_app({**app.config, "PROPAGATE_EXCEPTIONS": False})

    @fresh.route("/boom")
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    response = fresh.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in body and "Traceback" not in body
    assert "An unexpected error occurred" in body
