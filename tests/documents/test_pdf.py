"""PDF conversion through a headless LibreOffice in its own profile and process group."""

from __future__ import annotations

import shutil

import pytest

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
