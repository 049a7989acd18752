"""Rendering a document only reads, so it runs in a read-only transaction and only storing it is a (short)
write: on SQLite a sign-in made while a document renders goes through at once instead of waiting for the write
lock (and failing "database is locked" when the rendering takes longer than the busy timeout). On PostgreSQL the
same test holds. A revision stored meanwhile is not duplicated: the same content gives back that revision."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.access import Role
from app.documents import render, services
from app.documents.models import GeneratedDocument
from app.extensions import db
from tests.helpers import sign_in_elsewhere


@pytest.fixture
def sign_in_while_rendering(app: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """While the default template renders, someone signs in; their answer's status is kept."""
    make_user("erin", Role.ENGINEER)
    seen: dict[str, Any] = {"status": None}
    original = render.render_default

    def rendering(doc_type: str, context: dict[str, Any]) -> bytes:
        seen["status"] = sign_in_elsewhere(app, "erin")
        return original(doc_type, context)

    monkeypatch.setattr(render, "render_default", rendering)
    return seen


def test_a_sign_in_goes_through_while_the_generate_button_renders(login_as, sign_in_while_rendering):
    client = login_as(Role.AUDITOR)
    response = client.post("/documents/generate", data={"doc_type": "approved_supplier_list", "source_id": "current"})
    assert response.status_code == 200 and response.mimetype == services.DOCX_MIME
    assert sign_in_while_rendering["status"] == 302  # a locked database answers 500
    assert db.session.scalar(select(GeneratedDocument.revision)) == 1


def test_a_sign_in_goes_through_while_the_render_command_renders(app, tmp_path, sign_in_while_rendering):
    target = tmp_path / "asl.docx"
    result = app.test_cli_runner().invoke(args=["documents", "render", "approved_supplier_list", "current",
                                                "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert sign_in_while_rendering["status"] == 302
    assert target.read_bytes() == db.session.scalar(select(GeneratedDocument.data))


def test_a_revision_stored_while_rendering_is_given_back_instead_of_a_duplicate(make_user):
    qa = make_user("quinn", Role.QA)
    rendered = services.render_document("approved_supplier_list", "current", by=qa)
    db.session.commit()
    first = services.generate("approved_supplier_list", "current", by=qa)
    db.session.commit()
    second = services.store_document(rendered, by=qa)
    db.session.commit()
    assert second.id == first.id and second.revision == 1  # same content: the stored revision, not a second one
    assert db.session.scalar(select(func.count(GeneratedDocument.id))) == 1


def test_unchanged_content_renders_nothing(make_user, monkeypatch):
    qa = make_user("quinn", Role.QA)
    first = services.generate("approved_supplier_list", "current", by=qa)
    db.session.commit()

    def refuse(*_args: Any) -> bytes:
        raise AssertionError("rendered again although the content did not change")

    monkeypatch.setattr(render, "render_default", refuse)
    again = services.render_document("approved_supplier_list", "current", by=qa)
    assert again.unchanged and again.last_id == first.id
    assert services.store_document(again, by=qa).id == first.id
