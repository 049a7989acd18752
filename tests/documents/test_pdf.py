"""PDF conversion through a headless LibreOffice in its own profile and process group."""

from __future__ import annotations

import hashlib
import re
import shutil

import pytest

from app.access import Role
from app.documents.pdf import PdfConversionError, docx_to_pdf, soffice_path
from app.documents.render import render_default
from app.documents.variables import example_context

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed on this machine"
)


def test_soffice_path_is_none_without_libreoffice(monkeypatch):
    monkeypatch.setenv("PATH", "")
    assert soffice_path() is None


def test_conversion_without_libreoffice_fails_clearly(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(PdfConversionError, match="not installed"):
        docx_to_pdf(b"PK")


@needs_soffice
def test_a_rendered_record_converts_to_pdf():
    pdf = docx_to_pdf(render_default("supplier_evaluation", example_context("supplier_evaluation")))
    assert pdf.startswith(b"%PDF-")
    assert b"/Type /Page" in pdf or b"/Type/Page" in pdf
    assert pdf.rstrip().endswith(b"%%EOF")


@needs_soffice
def test_a_conversion_that_takes_too_long_is_stopped():
    with pytest.raises(PdfConversionError, match=r"longer than 0\.01 s"):
        docx_to_pdf(render_default("soup_list", example_context("soup_list")), timeout_s=0.01)


@needs_soffice
def test_only_word_files_are_converted():
    with pytest.raises(PdfConversionError, match=r"Only a \.docx"):
        docx_to_pdf(b"this is not a word file")


def pdfa_identification(pdf: bytes) -> tuple[str, str]:
    """(part, conformance) from the XMP metadata of a PDF, e.g. ("2", "B") for PDF/A-2b."""
    text = pdf.decode("latin-1")
    part = re.search(r'pdfaid:part(?:="|>)(\d)', text)
    conformance = re.search(r'pdfaid:conformance(?:="|>)([ABU])', text)
    assert part and conformance, "no PDF/A identification in the XMP metadata"
    return part.group(1), conformance.group(1)


@needs_soffice
def test_the_pdf_is_pdf_a_2b():
    pdf = docx_to_pdf(render_default("approved_supplier_list", example_context("approved_supplier_list")))
    assert pdfa_identification(pdf) == ("2", "B")


@needs_soffice
def test_the_archive_pdf_is_kept_in_the_register_with_its_hash(app, login_as, make_user):
    from app.documents import services
    from app.extensions import db

    document = services.generate("approved_supplier_list", "current", by=make_user("pat", Role.PURCHASING))
    db.session.commit()
    client = login_as(Role.AUDITOR)
    first = client.get(f"/documents/{document.id}/pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert pdfa_identification(first.data) == ("2", "B")
    db.session.expire_all()
    stored = db.session.get(type(document), document.id)
    assert stored.pdf_sha256 == hashlib.sha256(first.data).hexdigest()
    assert client.get(f"/documents/{document.id}/pdf").data == first.data  # the archived bytes, not a new render
    assert stored.pdf_sha256 in client.get(f"/documents/{document.id}").get_data(as_text=True)
