"""Filtering the audit log (shared by the page, the CSV export and the CLI)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.engine import Engine

from app import spreadsheets
from app.audit.models import AuditEvent
from app.db import write_intent
from app.extensions import db

CSV_COLUMNS = (
    "id", "occurred_at", "actor_id", "actor_name", "action", "name", "entity_type", "entity_id",
    "entity_version", "entity_label", "changes", "details", "reason", "request_id", "ip", "prev_hash", "hash",
)


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def filtered(args: Mapping[str, str]) -> Select[tuple[AuditEvent]]:
    """Events matching the filters (record type, record id, actor, action, date range), newest first."""
    query = select(AuditEvent)
    if args.get("entity_type"):
        query = query.where(AuditEvent.entity_type == args["entity_type"])
    if args.get("entity_id"):
        query = query.where(AuditEvent.entity_id == args["entity_id"].strip())
    if args.get("actor"):
        pattern = f"%{args['actor'].strip()}%"
        query = query.where(AuditEvent.actor_name.ilike(pattern))
    if args.get("action"):
        query = query.where(or_(AuditEvent.action == args["action"], AuditEvent.name == args["action"]))
    start = _parse_date(args.get("date_from"))
    if start:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(start, datetime.min.time()))
    end = _parse_date(args.get("date_to"))
    if end:
        query = query.where(AuditEvent.occurred_at < datetime.combine(end + timedelta(days=1), datetime.min.time()))
    return query.order_by(AuditEvent.id.desc())


def entity_types() -> list[str]:
    """Record types present in the trail, for the filter's choices."""
    return list(db.session.scalars(select(AuditEvent.entity_type).distinct().order_by(AuditEvent.entity_type)))


def stream_csv(engine: Engine, query: Select[tuple[AuditEvent]]) -> Iterator[str]:
    """CSV of the query's events in id order, read on its own connection while the response streams."""
    rows_query = query.with_only_columns(*AuditEvent.__table__.columns).order_by(None).order_by(AuditEvent.id)
    write_intent.set(False)
    with engine.connect() as connection:
        rows = connection.execution_options(stream_results=True, yield_per=1000).execute(rows_query)
        yield from csv_lines(rows)


def csv_lines(events: Iterable[Any]) -> Iterator[str]:
    """The events as CSV text (the shared safe writer), header first, streamed line by line."""

    def rows() -> Iterator[list[Any]]:
        yield list(CSV_COLUMNS)
        for event in events:
            row: list[Any] = []
            for column in CSV_COLUMNS:
                value = getattr(event, column)
                if isinstance(value, dict):
                    value = json.dumps(value, sort_keys=True, ensure_ascii=False)
                elif isinstance(value, datetime):
                    value = value.isoformat(timespec="microseconds")
                row.append("" if value is None else value)
            yield row

    return spreadsheets.csv_lines(rows())
