"""CSV and XLSX downloads of register tables, through the shared safe writer (app/spreadsheets.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response

from app import spreadsheets
from app.audit import services as audit
from app.audit.models import AuditAction, register_record_type
from app.db import utcnow

FORMATS = ("csv", "xlsx")
# The exported tables: each export's audit event names its table as the record type.
TABLES = ("suppliers", "approved_suppliers")
register_record_type(*TABLES)


def download(name: str, fmt: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], **filters: Any) -> Response:
    """The table as an attachment; the export is recorded in the audit trail."""
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    table = [list(headers), *rows]
    audit.record(f"{name}.exported", action=AuditAction.EXPORT, entity_type=name, format=fmt, rows=len(rows),
                 filters={key: value for key, value in filters.items() if value})
    filename = f"{name}-{stamp}.{fmt}"
    if fmt == "xlsx":
        return spreadsheets.xlsx_response(spreadsheets.xlsx_bytes(name, table), filename)
    return spreadsheets.csv_response(spreadsheets.csv_bytes(table), filename)
