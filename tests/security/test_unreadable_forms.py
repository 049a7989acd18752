"""Attack finding: an upload whose multipart file name is not UTF-8 answered 400 "The form has expired". werkzeug
drops the whole form it cannot parse, so the CSRF check found no token. The refusal now says what is wrong, and
the browser goes back to the form with what was typed (the restore script fills it again)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.access import Role
from app.extensions import db
from app.suppliers.models import Certificate
from tests.helpers import csrf_token_from
from tests.suppliers.factories import make_supplier


def _multipart(token: str, filename: bytes) -> bytes:
    return (b"--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + token.encode() + b"\r\n"
            b"--B\r\nContent-Disposition: form-data; name=\"standard\"\r\n\r\nISO 9001\r\n"
            b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename + b"\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--B--\r\n")


def _send(client, url: str, body: bytes, **headers: str):
    return client.post(url, data=body, content_type="multipart/form-data; boundary=B", headers=headers)


def test_an_upload_whose_file_name_is_not_utf8_is_refused_with_the_reason_not_as_an_expired_form(app, login_as):
    supplier = make_supplier("SUP-1")
    db.session.commit()
    client = login_as(Role.QA)
    url = f"/suppliers/{supplier.id}/certificates"
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        token = csrf_token_from(client.get(f"/suppliers/{supplier.id}").get_data(as_text=True))
        body = _multipart(token, b"\xff\xfe-certificate.pdf")

        from_the_page = _send(client, url, body, Referer=f"http://localhost/suppliers/{supplier.id}")
        page = client.get(from_the_page.headers.get("Location", "/")).get_data(as_text=True)
        by_a_script = _send(client, url, body)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False

    assert from_the_page.status_code == 303
    assert from_the_page.headers["Location"] == f"/suppliers/{supplier.id}?restore=1"
    assert "The form could not be read: a file name or a field in it is not UTF-8 text" in page
    assert "form had expired" not in page
    assert by_a_script.status_code == 400
    assert "not UTF-8 text" in by_a_script.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_without_the_csrf_check_the_view_never_sees_the_empty_remains_of_an_unreadable_form(login_as):
    supplier = make_supplier("SUP-1")
    db.session.commit()
    client = login_as(Role.QA)

    response = _send(client, f"/suppliers/{supplier.id}/certificates", _multipart("", b"\xff.pdf"))

    assert response.status_code == 400
    assert "not UTF-8 text" in response.get_data(as_text=True)


def test_a_readable_upload_with_a_utf8_file_name_goes_through_the_check(login_as):
    supplier = make_supplier("SUP-1")
    db.session.commit()
    client = login_as(Role.QA)

    response = _send(client, f"/suppliers/{supplier.id}/certificates", _multipart("", "Zertifikat-Ü.pdf".encode()))

    assert response.status_code != 400  # the view answers it (here: the form's own refusals or a save)
