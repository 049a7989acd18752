"""Re-issue the archived Word form of a record when the record is signed, so the file in the register prints the
signature (21 CFR 11.50: name, date and time, meaning on every human-readable form of a signed record).

A plug-in (PLUG_INS in app/__init__.py): the signature services know nothing of documents. New signatures are
noted after each flush; just before the transaction commits, every record signed in it that already has a
document in the register gets a new revision of that document, generated from the record as it is now (signed
state, decision, signatures). A record never generated before is left alone: its first generation prints the
signatures anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.audit.queries import provide_code_lookup, provide_record_suggestions
from app.auth.models import User
from app.documents.models import GeneratedDocument
from app.errors import DomainError
from app.extensions import db
from app.signatures.models import Signature
from app.validation.models import Protocol

log = logging.getLogger(__name__)

_PENDING = "documents_to_reissue"
_BUSY = "documents_reissuing"

# Signed record type -> the document types printing it. The source id of each is found by `_source_ids`.
SIGNED_FORMS: dict[str, tuple[str, ...]] = {
    "evaluation": ("supplier_evaluation",),
    "purchase_record": ("purchasing_information",),
    "release": ("soup_list",),
    "protocol": ("validation_protocol",),
    "report": ("validation_report",),
}


def _source_ids(signature: Signature) -> list[str]:
    """The source id of the record's documents: the record id, or for a protocol or report (signed per
    system and protocol number) the id of that protocol version."""
    if signature.entity_type in ("protocol", "report"):
        protocol_id = db.session.scalar(
            select(Protocol.id).where(
                Protocol.system_id == int(signature.entity_id), Protocol.number == signature.entity_version
            )
        )
        return [] if protocol_id is None else [str(protocol_id)]
    return [signature.entity_id]


def _after_flush(session: Session, _context: Any) -> None:
    for obj in session.new:
        if isinstance(obj, Signature) and obj.entity_type in SIGNED_FORMS:
            session.info.setdefault(_PENDING, []).append(obj)


def _before_commit(session: Session) -> None:
    signatures: list[Signature] = session.info.pop(_PENDING, [])
    if not signatures or session.info.get(_BUSY):
        return
    from app.documents import services  # services import this package's models; imported when needed

    session.info[_BUSY] = True
    try:
        done: set[tuple[str, str]] = set()
        for signature in signatures:
            for doc_type in SIGNED_FORMS[signature.entity_type]:
                for source_id in _source_ids(signature):
                    if (doc_type, source_id) in done:
                        continue
                    done.add((doc_type, source_id))
                    _reissue(services, doc_type, source_id, db.session.get(User, signature.signer_id))
    finally:
        session.info.pop(_BUSY, None)


def _reissue(services: Any, doc_type: str, source_id: str, signer: User | None) -> None:
    exists = db.session.scalar(
        select(GeneratedDocument.id)
        .where(GeneratedDocument.doc_type == doc_type, GeneratedDocument.source_id == source_id).limit(1)
    )
    if exists is None:
        return
    try:
        # Nothing is added to the session before the file is rendered, so a refusal leaves no trace to undo.
        services.generate(doc_type, source_id, by=signer, reason="Re-issued with the new signature printed")
    except DomainError as error:  # a company template that fails must not undo the signature
        log.warning("document %s %s not re-issued after signing: %s", doc_type, source_id, error.message)


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)


def record_for_number(number: str) -> tuple[str, str] | None:
    """The audit log's look-up of a document number (SOUP-INF-4.2.0, any case): the record the newest document
    with that number was made from, as (record type, record id); None when no document has it."""
    found = db.session.execute(
        select(GeneratedDocument.source_type, GeneratedDocument.source_id)
        .where(GeneratedDocument.number.in_({number, number.upper()}))
        .order_by(GeneratedDocument.id.desc()).limit(1)
    ).first()
    return None if found is None else (found.source_type, found.source_id)


def documents_starting(text: str, limit: int) -> list[tuple[str, str]]:
    """The record picker's documents: number starting with the text (any case), one row per number."""
    rows = db.session.execute(
        select(GeneratedDocument.number, func.max(GeneratedDocument.title))
        .where(GeneratedDocument.number.startswith(text.upper(), autoescape=True))
        .group_by(GeneratedDocument.number).order_by(GeneratedDocument.number).limit(limit))
    return [(number, f"{number} · {title}") for number, title in rows]


def init_app(app: Flask) -> None:
    """Listen on every session (idempotent); let the audit log find a record's events by a document number."""
    provide_code_lookup(app, record_for_number)
    provide_record_suggestions(app, documents_starting)
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
