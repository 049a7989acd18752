"""Helpers for the document tests: build small templates and read rendered files back."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph


def make_template(*paragraphs: str, header: str | None = None, core_title: str | None = None) -> bytes:
    """A .docx whose body has one paragraph (one run) per text, like a carefully typed template."""
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    if core_title is not None:
        doc.core_properties.title = core_title
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _paragraph_texts(data: bytes) -> Iterator[str]:
    doc = Document(io.BytesIO(data))
    # Every paragraph of the body, including those in (nested) table cells.
    for p in doc.element.body.iter(qn("w:p")):
        yield Paragraph(p, doc).text
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.even_page_header):
            if part.is_linked_to_previous:
                continue
            for p in part._element.iter(qn("w:p")):
                yield Paragraph(p, part).text


def docx_text(data: bytes) -> str:
    """All visible text of a .docx (body, tables, headers, footers), one paragraph a line."""
    return "\n".join(_paragraph_texts(data))


def part_xml(data: bytes, prefix: str = "word/") -> dict[str, str]:
    """The XML parts of a .docx under a folder, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            n: archive.read(n).decode("utf-8")
            for n in archive.namelist()
            if n.startswith(prefix) and n.endswith(".xml")
        }


def table_rows(data: bytes, *headers: str) -> list[dict[str, str]]:
    """The rows of the first table whose header row holds every given header, as {column header: cell text}."""
    for table in Document(io.BytesIO(data)).tables:
        names = [cell.text.strip() for cell in table.rows[0].cells]
        if all(header in names for header in headers):
            return [dict(zip(names, (cell.text.strip() for cell in row.cells), strict=True)) for row in table.rows[1:]]
    raise AssertionError(f"no table with the columns {headers!r}")


def field_value(data: bytes, label: str) -> str:
    """The value beside a label in the first two-column label/value table that has it."""
    for table in Document(io.BytesIO(data)).tables:
        for row in table.rows:
            cells = row.cells
            if len(cells) == 2 and cells[0].text.strip() == label:
                return cells[1].text.strip()
    raise AssertionError(f"no field {label!r}")
