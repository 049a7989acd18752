"""The SOUP list and the release diff print every component from the records."""

from __future__ import annotations

from sqlalchemy import select

from app.documents import services
from app.extensions import db
from app.inventory import services as inventory
from app.inventory.models import Component
from tests.documents.docx_helpers import docx_text

REQUIREMENTS_V1 = b"flask==3.0.0\njinja2==3.1.2\nrequests==2.31.0\n"
REQUIREMENTS_V2 = b"flask==3.1.3\njinja2==3.1.2\nurllib3==2.2.0\n"


def import_release(version: str, content: bytes):
    release = inventory.ensure_release("Infusion pump UI", version)
    inventory.import_files(release, [inventory.UploadedFile("requirements.txt", content)])
    db.session.commit()
    return release


def test_the_soup_list_has_a_row_for_each_component_of_the_release(app):
    release = import_release("1.0", REQUIREMENTS_V1)
    document = services.generate("soup_list", str(release.id), by=None)
    text = docx_text(document.data)
    names = db.session.scalars(select(Component.name).where(Component.release_id == release.id)).all()
    assert len(names) == 3
    for name in names:
        assert name in text
    assert "3.0.0" in text and "Infusion pump UI" in text
    assert document.draft and "DRAFT" in text  # a draft release is not approved
    assert "{{" not in text and "{%" not in text


def test_the_release_diff_lists_added_removed_and_upgraded_components(app):
    import_release("1.0", REQUIREMENTS_V1)
    release = import_release("2.0", REQUIREMENTS_V2)
    document = services.generate("release_diff", str(release.id), by=None)
    text = docx_text(document.data)
    assert "urllib3" in text and "requests" in text
    assert "3.0.0" in text and "3.1.3" in text
    assert document.source_id.endswith(f":{release.id}")
