"""The one CSV writer (and XLSX workbook builder) of every export, safe against spreadsheet formula injection.

OWASP "CSV Injection": a cell whose text starts with =, +, -, @, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets (=HYPERLINK(...) leaks data, DDE runs programs). Every text
cell that starts so gets a leading apostrophe, which the spreadsheet shows as text. Numbers stay numbers.

XLSX (XML 1.0) cannot hold most C0 control characters; openpyxl raises IllegalCharacterError on them, so a
value stored before the input boundary refused them would break the export for everyone. They are dropped.

Every export goes through `writer`/`csv_bytes`/`csv_lines` and `csv_response`, which sets the content type
once: `text/csv; charset=utf-8`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What openpyxl refuses (XML 1.0 forbids it): C0 controls other than tab, LF and CR.
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_cell(value: Any) -> Any:
    """safe_cell, and control characters that XLSX cannot hold dropped."""
    if isinstance(value, str):
        value = _XLSX_ILLEGAL.sub("", value)
    return safe_cell(value)


class SafeWriter:
    """csv.writer whose every cell goes through safe_cell."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: Any) -> SafeWriter:
    """The CSV writer every export uses (also for files the CLI writes)."""
    return SafeWriter(stream)


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The rows as CSV text, one line at a time (for streamed responses and files)."""
    buffer = io.StringIO()
    out = writer(buffer)
    for row in rows:
        out.writerow(row)
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        yield value


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads the accents)."""
    return ("\ufeff" + "".join(csv_lines(rows))).encode("utf-8")


def xlsx_bytes(title: str, rows: Iterable[Sequence[Any]]) -> bytes:
    """One worksheet (write-only, streaming) with every text cell defused and cleaned."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(xlsx_cell(title)[:31] or "Sheet")
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def attachment(body: Any, filename: str, mimetype: str) -> Response:
    """A download with a server-chosen file name."""
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(body: bytes | Iterable[str], filename: str) -> Response:
    """A CSV download (bytes from csv_bytes or lines streamed from csv_lines)."""
    return attachment(body, filename, CSV_MIMETYPE)


def xlsx_response(body: bytes, filename: str) -> Response:
    return attachment(body, filename, XLSX_MIMETYPE)


# --- Reading a table back (imports) --------------------------------------------------------------

MAX_XLSX_MEMBERS = 200
MAX_XLSX_UNCOMPRESSED = 50 * 1024 * 1024


class TableRefused(ValueError):
    """The uploaded table cannot be read (not CSV or XLSX, damaged, too large, a zip bomb)."""


def _plain(value: Any) -> str:
    """A cell as text; the apostrophe our exports put before a formula-like text is taken off again."""
    text = "" if value is None else str(value)
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text.strip()


def _xlsx_rows(data: bytes, max_rows: int) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise TableRefused(f"The XLSX file is damaged and cannot be opened ({exc}).") from exc
    if len(members) > MAX_XLSX_MEMBERS or sum(member.file_size for member in members) > MAX_XLSX_UNCOMPRESSED:
        raise TableRefused("The XLSX file unpacks to more than 50 MB or 200 parts; it is not read.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file: each is a refusal
        raise TableRefused(f"The XLSX file cannot be read ({type(exc).__name__}).") from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return []
        # Read-only mode trusts the sheet's <dimension> tag, which a writer may leave smaller than the sheet (3
        # hazards read as 1, the rest silently lost): the rows are read as they are, whatever it says.
        sheet.reset_dimensions()  # type: ignore[union-attr]
        rows: list[list[str]] = []
        try:
            for row in sheet.iter_rows(values_only=True):
                if len(rows) > max_rows:
                    raise TableRefused(f"The table has more than {max_rows} rows.")
                rows.append([_plain(value) for value in row])
        except TableRefused:
            raise
        except Exception as exc:  # a damaged sheet: cut XML, a cell of the wrong type, a string index out of range
            raise TableRefused(f"The XLSX file cannot be read: its sheet is damaged ({type(exc).__name__}).") from exc
        width = max((len(row) for row in rows), default=0)
        return [row + [""] * (width - len(row)) for row in rows]
    finally:
        workbook.close()


def _csv_rows(data: bytes, max_rows: int) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableRefused("The CSV file is not UTF-8 text (save it as 'CSV UTF-8').") from exc
    if "\x00" in text:
        raise TableRefused("The CSV file holds a NUL character: it is not a text table.")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            if len(rows) > max_rows:
                raise TableRefused(f"The table has more than {max_rows} rows.")
            rows.append([_plain(value) for value in row])
    except csv.Error as exc:
        raise TableRefused(f"The CSV file cannot be read: {exc}.") from exc
    return rows


def read_table(filename: str, data: bytes, *, max_rows: int = 10_000) -> list[list[str]]:
    """The rows of an uploaded CSV or XLSX table (its first sheet) as text, empty rows dropped; TableRefused when it
    cannot be read."""
    if not data:
        raise TableRefused("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data, max_rows)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise TableRefused("This file is named .xlsx but is not an XLSX workbook.")
    else:
        rows = _csv_rows(data, max_rows)
    return [row for row in rows if any(cell for cell in row)]
