"""Execution evidence goes to the shared store (app/storage.py): validation's types, the upload size limit,
extension AND content checks, sha256, a cleaned name; downloads by id only for execution evidence."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.access import Role
from app.extensions import db
from app.storage import EVIDENCE_EXTENSIONS as SUPPLIER_EVIDENCE_EXTENSIONS
from app.storage import StoredFile, UploadRefused, store_bytes
from app.suppliers.models import Supplier
from app.suppliers.services import add_certificate
from app.validation import services
from app.validation.models import Execution
from app.validation.rules import Outcome
from tests.validation.factories import approved_protocol, make_system

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


@pytest.fixture
def running(make_user):
    """A protocol in execution, its tester and the first step to record a result for."""
    author, reviewer, qa = make_user("erin", Role.ENGINEER), make_user("rob", Role.ENGINEER), make_user("q", Role.QA)
    tester = make_user("tess", Role.ENGINEER)
    protocol = approved_protocol(make_system(author), author, reviewer, qa)
    services.start_execution(protocol, tester)
    case = protocol.test_cases[0]
    return protocol, tester, case, case.steps[0]


def record(running, name: str, data: bytes) -> Execution:
    protocol, tester, case, step = running
    return services.record_execution(
        protocol, tester, test_case_id=case.id, test_step_id=step.id, tested_version="9.1",
        actual_result="Shown", outcome=Outcome.PASS, evidence=FileStorage(io.BytesIO(data), filename=name),
    )


@pytest.mark.parametrize(("name", "data"), [
    ("shot.png", PNG),
    ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 8),
    ("export.pdf", b"%PDF-1.7\n"),
    ("export.csv", b"id,outcome\n1,pass\n"),
    ("log.txt", "résultat ok\n".encode()),
    ("data.json", b'{"ok": true}'),
])
def test_accepted_evidence_is_a_stored_file_with_its_sha256(running, name, data):
    entry = record(running, name, data)
    stored = db.session.get(StoredFile, entry.evidence_id)
    assert entry.evidence is stored
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert stored.data == data and stored.original_name == name
    assert stored.created_by_id == running[1].id


@pytest.mark.parametrize(("name", "data", "message"), [
    ("shot.png", b"GIF89a", "not a valid .png"),
    ("export.pdf", b"<html>", "not a valid .pdf"),
    ("data.json", b"{not json", "not a valid .json"),
    ("log.txt", b"\x00\x01binary", "not a valid .txt"),
    ("export.csv", b"\xff\xfe", "not a valid .csv"),
    ("tool.exe", b"MZ", "not accepted here"),
    ("report.docx", b"PK\x03\x04", "not accepted here"),
    ("noextension", b"x", "not accepted here"),
    ("empty.txt", b"", "empty"),
])
def test_refused_evidence_says_why_and_stores_nothing(running, name, data, message):
    with pytest.raises(UploadRefused, match=message):
        record(running, name, data)
    db.session.rollback()
    assert db.session.scalar(select(func.count(StoredFile.id))) == 0
    assert db.session.scalar(select(func.count(Execution.id))) == 0


def test_evidence_larger_than_the_upload_limit_is_refused(running, monkeypatch):
    monkeypatch.setitem(current_app.config, "UPLOAD_MAX_BYTES", 1024)
    with pytest.raises(UploadRefused, match="larger than the limit"):
        record(running, "big.txt", b"x" * 1025)
    assert record(running, "fits.txt", b"x" * 1024).evidence.size == 1024


def test_names_lose_their_directories_and_odd_characters(running):
    assert record(running, "../../etc/pass wd.txt", b"ok").evidence.original_name == "pass wd.txt"


def test_validation_types_are_its_own_and_the_supplier_types_are_unchanged():
    assert {"csv", "txt", "json"} <= services.EVIDENCE_EXTENSIONS
    assert "docx" not in services.EVIDENCE_EXTENSIONS
    assert not {"csv", "txt", "json"} & SUPPLIER_EVIDENCE_EXTENSIONS


def test_only_execution_evidence_is_downloadable_here(running, login_as, make_user):
    entry = record(running, "shot.png", PNG)
    certificate = add_certificate(
        db.session.scalars(select(Supplier)).one(), standard="ISO 13485", number="C-1", issuer="BSI",
        valid_until=date(2030, 1, 1), evidence=FileStorage(io.BytesIO(b"%PDF-1.7\n"), filename="iso.pdf"),
        by=make_user("quinn", Role.QA),
    )
    other = store_bytes(b"a,b\n", "loose.csv", allowed={"csv"}, max_bytes=1024)
    db.session.commit()
    reader = login_as(Role.AUDITOR, username="audrey")

    download = reader.get(f"/validation/evidence/{entry.evidence_id}")
    assert download.status_code == 200 and download.data == PNG
    assert f'filename=evidence-{entry.evidence_id}.png' in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert reader.get(f"/validation/evidence/{certificate.evidence_file_id}").status_code == 404
    assert reader.get(f"/validation/evidence/{other.id}").status_code == 404
