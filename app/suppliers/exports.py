"""CSV and XLSX downloads of register tables, safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask import Response
from openpyxl import Workbook

from app.audit import services as audit
from app.audit.models import AuditAction
from app.db import utcnow
from app.suppliers.rules import spreadsheet_safe

FORMATS = ("csv", "xlsx")


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a BOM (Excel reads the accents) and every text cell defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """One worksheet, bold-free and streaming (write-only), with every text cell defused."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([spreadsheet_safe(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(name: str, fmt: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], **filters: Any) -> Response:
    """The table as an attachment; the export is recorded in the audit trail."""
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        body = xlsx_bytes(name, headers, rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = csv_bytes(headers, rows)
        mimetype = "text/csv"  # Werkzeug adds "; charset=utf-8" to text types
    audit.record(f"{name}.exported", action=AuditAction.EXPORT, entity_type=name, format=fmt, rows=len(rows),
                 filters={key: value for key, value in filters.items() if value})
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response
