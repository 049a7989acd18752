"""The third-party notices of a release from a real SBOM (Laravel 7.12.0's CycloneDX 1.4, ../shared/realworld): the
text NOTICE of the frozen release and its Word record list the same components under the licences the SBOM gives,
counted here from the raw JSON."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from docx import Document
from sqlalchemy import select

from app.access import Role
from app.documents import services as documents
from app.extensions import db
from app.inventory.models import Component
from tests.documents.docx_helpers import docx_text
from tests.helpers import REALWORLD
from tests.inventory.factories import release_with
from tests.inventory.gated import make_ready_otss, sign_and_freeze

LARAVEL = REALWORLD / "cyclonedx" / "laravel-7.12.0.cdx-1.4.json"


def _raw_licences() -> Counter[str]:
    """How many of the SBOM's components carry each licence id, straight from the JSON."""
    components = json.loads(LARAVEL.read_bytes())["components"]
    return Counter(entry["license"]["id"] for c in components for entry in c.get("licenses", []))


@pytest.fixture
def frozen(app, make_user):
    engineer = make_user("erin", Role.ENGINEER, full_name="Erin Engineer")
    qa = make_user("quinn", Role.QA, full_name="Quinn Quality")
    release, _ = release_with("Portal", "7.12.0", {"bom.json": LARAVEL.read_bytes()}, by=engineer)
    make_ready_otss(release, engineer)
    sign_and_freeze(release, engineer, qa)
    db.session.commit()
    return release


def test_the_notice_of_a_frozen_release_lists_every_component_under_its_licence_with_the_texts(frozen, login_as):
    client = login_as(Role.AUDITOR)
    response = client.get(f"/releases/{frozen.id}/notices.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith('-NOTICE.txt"')
    notice = response.get_data(as_text=True)
    raw = _raw_licences()
    assert sum(raw.values()) == 62
    for licence, count in raw.items():
        assert f"Licence: {licence} ({count} component{'s' if count != 1 else ''})" in notice
    for name, version in db.session.execute(select(Component.name, Component.version)
                                            .where(Component.release_id == frozen.id)):
        assert f"- {name} {version}" in notice
    assert "SOUP list approved by Quinn Quality on " in notice
    for licence in raw:
        assert f"--- {licence}: " in notice
    assert "Author or supplier: Alexander" in notice  # asm89/stack-cors: the SBOM's author


def test_the_word_record_lists_the_same_components_and_licences_as_the_text(frozen):
    document = documents.generate("third_party_notices", str(frozen.id), by=None)
    assert not document.draft
    rows = []
    for table in Document(io.BytesIO(document.data)).tables:
        header = [cell.text.strip() for cell in table.rows[0].cells]
        if header[:3] == ["Name", "Version", "Licence"]:
            rows = [[cell.text.strip() for cell in row.cells] for row in table.rows[1:]]
    assert Counter(row[2] for row in rows) == _raw_licences()
    components = set(db.session.execute(select(Component.name, Component.version).where(Component.release_id == frozen.id)))
    assert {(row[0], row[1]) for row in rows} == components
    text = docx_text(document.data)
    assert "Permission is hereby granted, free of charge" in text and "Apache License" in text
    assert "{{" not in text and "{%" not in text


def test_a_draft_gets_no_text_notice_but_a_word_copy_marked_draft(app, login_as):
    client = login_as(Role.ENGINEER)
    release, _ = release_with("Portal", "8.0.0", {"bom.json": LARAVEL.read_bytes()})
    response = client.get(f"/releases/{release.id}/notices.txt")
    assert response.status_code == 409 and "frozen release" in response.get_data(as_text=True)
    document = documents.generate("third_party_notices", str(release.id), by=None)
    assert document.draft and "DRAFT" in docx_text(document.data)
    page = client.get(f"/releases/{release.id}").get_data(as_text=True)
    assert 'name="doc_type" value="third_party_notices"' in page
