"""Security test finding: well-formed JSON or YAML can carry what no column holds. A `\\u0000` escape gave a 500 on
PostgreSQL (SQLite stored the NUL), a lone `\\ud800` a 500 on both (UTF-8 cannot encode it), a number of more than
4,300 digits a 500 (Python will not convert it), and 5,000 nested `[` in a JSON body a 500 before sign-in. Each is
refused with a message naming what is wrong, and nothing is stored; an unknown document type on the template upload
is a form error."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app import nesting
from app.access import Role
from app.extensions import db
from app.inventory.advisories.models import Advisory
from app.inventory.models import Component
from app.questionnaires.models import QuestionnaireTemplate
from tests.inventory.test_import_channels import draft_release, web_import

OSV = '{{"id": "GHSA-x", "summary": "{summary}", "affected": []}}'
LONG_NUMBER = "9" * 5000


@pytest.mark.parametrize(("raw", "said"), [
    ('{"a": "x\\u0000y"}', "NUL character"),
    ('{"a": "\\ud800"}', "surrogate pair"),
    ('{"a": ' + LONG_NUMBER + "}", "number is too long"),
])
def test_json_whose_data_cannot_be_stored_is_refused_by_name(raw, said):
    with pytest.raises(nesting.UnstorableData, match=said):
        nesting.load_json(raw)


def test_escapes_that_make_ordinary_text_are_read_as_usual():
    assert nesting.load_json('{"a": "\\ud83d\\ude00 \\\\u0000"}') == {"a": "\U0001F600 \\u0000"}  # a pair; an escaped \
    assert nesting.load_yaml('a: "tab\\tand \\u00e9"') == {"a": "tab\tand \u00e9"}


@pytest.mark.parametrize(("raw", "said"), [('name: "YAML \\0 nul"', "NUL character"), ("version: " + LONG_NUMBER,
                                                                                      "number is too long")])
def test_yaml_whose_data_cannot_be_stored_is_refused_by_name(raw, said):
    with pytest.raises(nesting.UnstorableData, match=said):
        nesting.load_yaml(raw)


@pytest.mark.parametrize("summary", ["NUL\\u0000here", "half \\ud800 pair"])
def test_an_advisory_file_with_unstorable_text_is_refused_and_nothing_is_stored(app, login_as, summary):
    client = login_as(Role.ENGINEER)
    response = client.post("/advisories/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(OSV.format(summary=summary).encode()), "osv.json")})
    assert response.status_code == 422
    assert "cannot be stored" in response.get_data(as_text=True) or "not valid Unicode" in response.get_data(
        as_text=True)
    assert db.session.scalar(select(func.count(Advisory.id))) == 0


@pytest.mark.parametrize(("name", "content"), [
    ("template.json", b'{"name": "NUL\\u0000test", "sections": []}'),
    ("template.yaml", b'name: "YAML \\0 nul"\nsections: []\n'),
    ("template.yaml", b"name: x\nversion: " + LONG_NUMBER.encode() + b"\n"),
])
def test_a_questionnaire_template_with_unstorable_data_is_refused(app, login_as, name, content):
    client = login_as(Role.QA)
    before = db.session.scalar(select(func.count(QuestionnaireTemplate.id)))
    response = client.post("/questionnaires/templates/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), name)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code < 500 and "not a valid template" in page
    assert db.session.scalar(select(func.count(QuestionnaireTemplate.id))) == before


def test_a_lockfile_with_a_nul_in_a_package_name_is_refused_and_nothing_is_imported(app, login_as):
    release = draft_release()
    client = login_as(Role.ENGINEER)
    lock = (b'{"name": "x", "lockfileVersion": 3, "packages": {"": {"name": "x"}, '
            b'"node_modules/a\\u0000b": {"version": "1.0.0"}}}')
    response = web_import(client, release.id, "package-lock.json", lock)
    assert 400 <= response.status_code < 500
    assert "NUL character" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Component.id))) == 0


def test_a_json_body_nested_thousands_deep_is_a_400_even_before_sign_in(client):
    response = client.post("/api/v1/products/x/releases/1/imports", data=b"[" * 5000 + b"]" * 5000,
                           content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 100 levels deep" in response.get_data(as_text=True)


def test_an_unknown_document_type_on_the_template_upload_is_a_form_error(login_as):
    client = login_as(Role.ADMIN)
    for doc_type in ("999999999", "-1", "nonsense"):
        response = client.post("/documents/templates/new", content_type="multipart/form-data", data={
            "doc_type": doc_type, "name": "Letterhead", "file": (io.BytesIO(b"PK"), "letterhead.docx")})
        assert response.status_code == 422, doc_type
        assert "Not a valid choice" in response.get_data(as_text=True)
    assert client.get("/documents/templates/new?doc_type=nonsense").status_code == 200
