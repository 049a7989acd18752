"""Credentials in a file's URLs (a token in a lockfile's git dependency, user:password in a requirement) are never
stored: not in a component, not in an import run (warnings, summary), not in the audit trail."""

from __future__ import annotations

import re

from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON

from app.audit.models import AuditEvent
from app.extensions import db
from app.inventory.models import Component, ImportRun
from tests.helpers import DATA, REALWORLD
from tests.inventory.factories import release_with

PRIVATE_LOCK = DATA / "inventory" / "javascript" / "package-lock-v1-private-git.json"
SECRETS = ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "s3cr3t-pa55", "hunter2")
# Any user:password@ or token@ right after a URL's scheme (git@ is the ssh convention, not a secret).
USERINFO = re.compile(r"://(?!git@)[^/@\s\"]+@")


def stored_texts() -> list[str]:
    """Every string and JSON value of every row of the tables an import writes."""
    texts = []
    for model in (Component, ImportRun, AuditEvent):
        columns = [column for column in model.__table__.columns if isinstance(column.type, String | Text | JSON)]
        for row in db.session.execute(select(*columns)):
            texts.extend(str(value) for value in row if value is not None)
    return texts


def test_no_stored_column_holds_a_credential_from_an_imported_url(app) -> None:
    requirements = (b"flask==3.0.3\n"
                    b"private-lib @ git+https://builder:hunter2@git.example.com/acme/private-lib.git@v0.9.1\n")
    release, summary = release_with("Device", "1.0", {
        "package-lock.json": PRIVATE_LOCK.read_bytes(),
        "requirements.txt": requirements,
        "with-urls-requirements.txt": (DATA / "realworld" / "lockfiles"
                                       / "cyclonedx-python-with-urls-requirements.txt").read_bytes(),
        "poetry.lock": (REALWORLD / "lockfiles" / "poetry-poetry.lock").read_bytes(),
    })
    texts = stored_texts()
    assert texts
    for secret in SECRETS:
        assert not any(secret in text for text in texts), secret
    assert not any(USERINFO.search(text) for text in texts)
    widgets = db.session.scalar(select(Component).where(Component.release_id == release.id,
                                                        Component.name == "acme-widgets"))
    assert widgets is not None and widgets.version == ""  # pinned to a commit: no version
    assert widgets.repository_url.startswith("git+https://github.com/acme/widgets.git#")
    theme = db.session.scalar(select(Component).where(Component.name == "acme-theme"))
    assert theme is not None and theme.version == "1.0.2"  # its tag
    private = db.session.scalar(select(Component).where(Component.name == "private-lib"))
    assert private is not None and private.version == "0.9.1"
    assert private.repository_url == "git+https://git.example.com/acme/private-lib.git@v0.9.1"
    assert "warnings" in summary
