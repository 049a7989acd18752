"""Plain-data contexts per document type, built from the records (never ORM objects in a context).

Each builder takes the source id as text and returns a `Source`: the type-specific variables plus
what the register stores about the record (type, id, version, whether it is approved, signatures).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.signatures.models import Signature


class SourceNotFound(LookupError):
    """The record a document was asked for does not exist (or the id is malformed)."""


@dataclass(frozen=True)
class Source:
    variables: dict[str, Any]
    source_type: str
    source_id: str
    version: int | None
    approved: bool
    title: str
    number_prefix: str
    signatures: list[dict[str, str]] = field(default_factory=list)


Builder = Callable[[str], Source]
BUILDERS: dict[str, Builder] = {}


def builder(doc_type: str) -> Callable[[Builder], Builder]:
    """Register the context builder of a document type."""

    def register(function: Builder) -> Builder:
        BUILDERS[doc_type] = function
        return function

    return register


def text(value: Any) -> str:
    """A value as printable text: dates as ISO, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def signature_rows(entity_type: str, entity_id: Any, version: int | None = None) -> list[dict[str, str]]:
    """The manifestation of each signature of a record (version None: all versions)."""
    query = select(Signature).where(Signature.entity_type == entity_type, Signature.entity_id == str(entity_id))
    if version is not None:
        query = query.where(Signature.entity_version == version)
    return [
        {
            "printed_name": signature.printed_name,
            "meaning": signature.meaning,
            "signed_at": signature.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "comment": signature.comment,
        }
        for signature in db.session.scalars(query.order_by(Signature.signed_at, Signature.id))
    ]


def _changes_text(changes: Mapping[str, Any]) -> str:
    parts = []
    for key, change in (changes or {}).items():
        if isinstance(change, Mapping):
            parts.append(f"{key}: {change.get('old')!r} -> {change.get('new')!r}")
        else:
            parts.append(f"{key}: {change!r}")
    return "; ".join(parts)


@builder("audit_extract")
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
        scope = f"All events of {kind.replace('_', ' ')} #{rest}"
    else:
        raise SourceNotFound("Give a record as type:id (e.g. supplier:42) or a range as range:YYYY-MM-DD:YYYY-MM-DD.")
    events = [
        {
            "time": event.occurred_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "actor": event.actor_name,
            "action": event.name or event.action,
            "entity": event.entity_type,
            "entity_id": event.entity_id,
            "changes": _changes_text(event.changes),
            "reason": event.reason,
            "hash": event.hash,
        }
        for event in db.session.scalars(query)
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


def build(doc_type: str, source_id: str) -> Source:
    """The source of a document type, or SourceNotFound when no builder or no record exists."""
    function = BUILDERS.get(doc_type)
    if function is None:
        raise SourceNotFound(f"Documents of type {doc_type!r} cannot be generated yet.")
    return function(source_id)


# Builders of the domain document types register themselves on import.
from app.documents import contexts_inventory, contexts_suppliers, contexts_validation  # noqa: E402, F401
