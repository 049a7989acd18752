"""Context of an audit trail extract: the events of one record or of a date range."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select

from app.audit.display import describe
from app.audit.models import AuditEvent
from app.db import stated_id
from app.documents.contexts.base import Source, SourceNotFound
from app.extensions import db
from app.labels import label
from app.questionnaires.models import EVALUATION_PARTS, Evaluation
from app.signatures.models import Signature
from app.suppliers.models import SUPPLIER_PARTS, PurchaseRecord

Records = dict[str, set[str]]  # record type -> ids


def _ids(model: Any, *where: Any) -> set[str]:
    return {str(i) for i in db.session.scalars(select(model.id).where(*where))}


def _children(records: Records, parent: str, ids: set[str]) -> None:
    """Add the records that belong to a record: a supplier's contacts, certificates, performance events,
    evaluations and purchases; an evaluation's links, evidence and score overrides."""
    numbers = [number for i in ids if (number := stated_id(i)) is not None]
    if not numbers:
        return
    if parent == "supplier":
        for model in (*SUPPLIER_PARTS, PurchaseRecord, Evaluation):
            records.setdefault(model.audit_type(), set()).update(_ids(model, model.supplier_id.in_(numbers)))
        _children(records, "evaluation", records["evaluation"])
        _children(records, "purchase_record", records["purchase_record"])
    elif parent == "evaluation":
        for model in EVALUATION_PARTS:
            records.setdefault(model.audit_type(), set()).update(_ids(model, model.evaluation_id.in_(numbers)))
    elif parent == "purchase_record":
        records.setdefault("purchase_receipt", set()).update(ids)


def _signatures(records: Records) -> set[str]:
    """The signatures of every record included (what was signed, by whom, when)."""
    found: set[str] = set()
    for entity_type, ids in records.items():
        if ids:
            found |= _ids(Signature, Signature.entity_type == entity_type, Signature.entity_id.in_(sorted(ids)))
    return found


def related_records(kind: str, record_id: str) -> Records:
    """The record, the records that belong to it and the signatures of all of them."""
    records: Records = {kind: {record_id}}
    _children(records, kind, {record_id})
    records["signature"] = records.get("signature", set()) | _signatures(records)
    records.pop("purchase_receipt", None)  # a receipt has no events of its own: its signature is included
    return {entity_type: ids for entity_type, ids in records.items() if ids}


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
            AuditEvent.occurred_at <= datetime.combine(end, datetime.max.time()),  # the whole last day
        )
        scope = f"All events from {start.isoformat()} to {end.isoformat()}"
    elif kind and rest:
        records = related_records(kind, rest)
        query = query.where(or_(*(
            and_(AuditEvent.entity_type == entity_type, AuditEvent.entity_id.in_(sorted(ids)))
            for entity_type, ids in records.items()
        )))
        others = [f"{label(entity_type).lower()} ({len(ids)})" for entity_type, ids in sorted(records.items())
                  if entity_type != kind]
        scope = f"All events of {label(kind).lower()} #{rest}" + (
            f" and of the records that belong to it: {', '.join(others)}" if others else ""
        )
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
