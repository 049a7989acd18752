"""Uploads: extension AND content checks, size limit, sha256, server-set download names."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage

from app.storage import EVIDENCE_EXTENSIONS, UploadRefused, content_matches, safe_name, store_upload

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ooxml(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return buffer.getvalue()


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_a_pdf_is_stored_with_its_sha256_and_size(app):
    stored = store_upload(upload(PDF, "cert.pdf"), EVIDENCE_EXTENSIONS, 1024)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.size == len(PDF)
    assert stored.content_type == "application/pdf"
    assert stored.original_name == "cert.pdf"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (PDF, "cert.exe", "not accepted"),
        (b"MZ\x90\x00 not a pdf", "cert.pdf", "not a valid .pdf"),
        (PNG, "photo.jpg", "not a valid .jpg"),
        (ooxml("xl"), "report.docx", "not a valid .docx"),
        (b"", "empty.pdf", "empty or missing"),
        (PDF + b"x" * 2048, "big.pdf", "larger than"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(app, data, name, message):
    with pytest.raises(UploadRefused, match=message):
        store_upload(upload(data, name), EVIDENCE_EXTENSIONS, 1024)


def test_ooxml_files_need_the_zip_parts_of_their_kind():
    assert content_matches("docx", ooxml("word"))
    assert content_matches("xlsx", ooxml("xl"))
    assert not content_matches("xlsx", ooxml("word"))
    assert not content_matches("docx", b"PK\x03\x04garbage")


def test_display_names_lose_path_parts_and_odd_characters():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\x\\evil<script>.pdf") == "evil_script_.pdf"


def test_release_keeps_a_stored_file_another_record_refers_to(app):
    from app.extensions import db
    from app.storage import StoredFile, release_stored_file
    from app.suppliers.models import Certificate
    from tests.questionnaires.factories import make_supplier

    stored = store_upload(upload(PDF, "cert.pdf"), EVIDENCE_EXTENSIONS, 1024)
    free = store_upload(upload(PDF, "free.pdf"), EVIDENCE_EXTENSIONS, 1024)
    supplier = make_supplier()
    db.session.add(Certificate(supplier=supplier, standard="iso_13485", valid_until=date(2030, 1, 1),
                               evidence_file_id=stored.id))
    db.session.flush()
    assert release_stored_file(stored) is False and db.session.get(StoredFile, stored.id) is not None
    assert release_stored_file(free) is True and db.session.get(StoredFile, free.id) is None


def test_a_deeply_nested_json_upload_is_refused_naming_the_limit(app):
    with pytest.raises(UploadRefused, match="nested more than 100 levels deep"):
        store_upload(upload(b"[" * 100_000, "results.json"), {"json"}, 1024 * 1024)
