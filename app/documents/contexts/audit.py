"""Context of an audit trail extract: the events of one record or of a date range."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.audit.display import describe
from app.audit.models import AuditEvent
from app.documents.contexts.base import Source, SourceNotFound
from app.extensions import db
from app.labels import label


def audit_extract(source_id: str) -> Source:
    """Events of one record ('supplier:42') or of a date range ('range:2026-01-01:2026-01-31')."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    kind, _, rest = source_id.partition(":")
    if kind == "range":
        start_text, _, end_text = rest.partition(":")
        try:
            start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
        except ValueError as error:
            raise SourceNotFound("An audit range is written range:YYYY-MM-DD:YYYY-MM-DD.") from error
        query = query.where(
            AuditEvent.occurred_at >= datetime.combine(start, datetime.min.time()),
            AuditEvent.occurred_at < datetime.combine(end + timedelta(days=1), datetime.min.time()),
        )
        scope = f"All events from {start.isoformat()} to {end.isoformat()}"
    elif kind and rest:
        query = query.where(AuditEvent.entity_type == kind, AuditEvent.entity_id == rest)
        scope = f"All events of {label(kind).lower()} #{rest}"
    else:
        raise SourceNotFound("Give a record as type:id (e.g. supplier:42) or a range as range:YYYY-MM-DD:YYYY-MM-DD.")
    events = [
        {
            "time": view.event.occurred_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "actor": view.event.actor_name,
            "action": view.what,
            "entity": view.record,
            "entity_id": view.event.entity_id,
            "changes": "\n".join(
                [f"{c.field}: {c.old} -> {c.new}" for c in view.changes] + [f"{k}: {v}" for k, v in view.details]
            ),
            "reason": view.event.reason,
            "hash": view.event.hash,
        }
        for view in describe(db.session.scalars(query))
    ]
    return Source(
        variables={"scope_description": scope, "events": events},
        source_type="audit_extract",
        source_id=source_id,
        version=len(events),
        approved=True,  # an extract is a copy of signed-off history, not a record awaiting approval
        title="Audit trail extract",
        number_prefix="AX",
    )
