"""Document control (ISO 13485 4.2.4): numbers that mean something, a revision only when the content changes,
the revision history, the governing procedure and the prepared / reviewed / approved block.

The register (GeneratedDocument) is the master list: one number per record (or per year for documents that
are not one record), revisions 1, 2, ... under it, each with its date, author and what changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select

from app.auth.models import User
from app.db import utcnow
from app.documents.models import DocumentProcedure, GeneratedDocument
from app.extensions import db
from app.labels import field_label

# Context keys that say when and by whom a file was made, not what it holds.
GENERATION_KEYS = frozenset({"document", "revisions", "control", "procedure", "company"})


def slug(text: str) -> str:
    """A number part from free text: letters, digits and dashes ("Infusion pump UI 2.0" -> "Infusion-pump-UI-2.0")."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.")[:50] or "record"


def latest(doc_type: str, source_id: str) -> GeneratedDocument | None:
    """The newest revision of a record's document."""
    return db.session.scalar(
        select(GeneratedDocument)
        .where(GeneratedDocument.doc_type == doc_type, GeneratedDocument.source_id == source_id)
        .order_by(GeneratedDocument.revision.desc()).limit(1)
    )


def new_number(doc_type: str, prefix: str, key: str | None) -> str:
    """The number of a record's first revision: PREFIX-<record key>, or PREFIX-<year>-<nnn> in order of first
    issue. A number another record already uses gets a suffix, so two records never share one."""
    if key is None:
        year = utcnow().year
        used = db.session.scalar(
            select(func.count(func.distinct(GeneratedDocument.number)))
            .where(GeneratedDocument.doc_type == doc_type, GeneratedDocument.number.like(f"{prefix}-{year}-%"))
        )
        base = f"{prefix}-{year}-{int(used or 0) + 1:03d}"
    else:
        base = f"{prefix}-{slug(key)}"
    number, suffix = base, 1
    while db.session.scalar(select(GeneratedDocument.id).where(GeneratedDocument.number == number).limit(1)):
        suffix += 1
        number = f"{base}-{suffix}"
    return number


def hashed_content(context: Mapping[str, Any], volatile: frozenset[str]) -> dict[str, Any]:
    """What a revision's content hash covers: the record's variables, its signatures and whether it is a draft;
    not when or by whom the file was generated."""
    return {key: _without_empty_notes(value) for key, value in context.items()
            if key not in GENERATION_KEYS and key not in volatile}


def _without_empty_notes(value: Any) -> Any:
    """The value without the empty content note of a signature that still matches its content: a document generated
    before signatures carried the note shows the same content, so it gets no new revision for it."""
    if isinstance(value, Mapping):
        return {key: _without_empty_notes(item) for key, item in value.items()
                if not (key == "content_note" and item == "")}
    if isinstance(value, list):
        return [_without_empty_notes(item) for item in value]
    return value


def what_changed(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> str:
    """The reason of a new revision, from the two contexts: 'Changed: Final decision, Signatures'."""
    if before is None:
        return "Content changed"
    keys = sorted(
        (key for key in set(before) | set(after) if key not in GENERATION_KEYS and before.get(key) != after.get(key)),
        key=str,
    )
    return "Changed: " + ", ".join(field_label(key) for key in keys) if keys else "Template changed"


def revision_rows(history: Sequence[GeneratedDocument], current: Mapping[str, str]) -> list[dict[str, str]]:
    """The revision history table: every earlier revision, then the one being issued."""
    rows = [
        {
            "revision": str(document.revision),
            "date": document.created_at.strftime("%Y-%m-%d"),
            "author": document.created_by_name,
            "reason": document.note or ("First issue" if document.revision == 1 else "Content changed"),
        }
        for document in history
    ]
    return [*rows, dict(current)]


def history_of(doc_type: str, source_id: str) -> list[GeneratedDocument]:
    """The earlier revisions of a record's document, oldest first."""
    return list(db.session.scalars(
        select(GeneratedDocument)
        .where(GeneratedDocument.doc_type == doc_type, GeneratedDocument.source_id == source_id)
        .order_by(GeneratedDocument.revision)
    ))


_ROLES: dict[str, tuple[str, ...]] = {
    "prepared": ("Authored", "Executed"),
    "reviewed": ("Reviewed", "Verified"),
    "approved": ("Approved", "Rejected"),
}


AUTHOR_NOT_SIGNED = "Record author (not signed)"


def control_block(signatures: Sequence[Mapping[str, str]], *, prepared_by: str, prepared_at: str,
                  author: tuple[str, str] | None = None) -> dict[str, Any]:
    """Prepared / reviewed / approved, filled from the signatures (the latest of each kind, its meaning followed by
    the note of a signature whose content has changed since); without an "authored" signature the record's author
    prepared it, or, for a record without one, the person who generated the document (neither a signature); a kind
    nobody signed says so rather than leave a blank to sign."""
    block: dict[str, Any] = {}
    for role, meanings in _ROLES.items():
        signed = [row for row in signatures if row["meaning"] in meanings]
        if signed:
            row = signed[-1]
            note = row.get("content_note")  # rows kept with a document generated before the note existed have none
            block[role] = {"name": row["printed_name"], "date": row["signed_at"],
                           "meaning": f"{row['meaning']}. {note}" if note else row["meaning"]}
        else:
            block[role] = {"name": "—", "date": "—", "meaning": "No signature recorded"}
    if not signed_as(signatures, "prepared"):
        if author is not None and author[0]:
            block["prepared"] = {"name": author[0], "date": author[1], "meaning": AUTHOR_NOT_SIGNED}
        else:
            block["prepared"] = {"name": prepared_by, "date": prepared_at, "meaning": "Generated (not signed)"}
    return block


def signed_as(signatures: Sequence[Mapping[str, str]], role: str) -> bool:
    """Whether any signature fills this role of the control block (prepared, reviewed or approved)."""
    return any(row["meaning"] in _ROLES[role] for row in signatures)


def procedure_for(doc_type: str) -> dict[str, str]:
    """The procedure (SOP) that governs a document type, as an admin set it; empty when not set."""
    row = db.session.scalar(select(DocumentProcedure).where(DocumentProcedure.doc_type == doc_type))
    if row is None:
        return {"reference": "", "title": ""}
    return {"reference": row.reference, "title": row.title}


def procedures() -> dict[str, DocumentProcedure]:
    """Every procedure reference set, by document type."""
    return {row.doc_type: row for row in db.session.scalars(select(DocumentProcedure))}


def set_procedure(doc_type: str, reference: str, title: str, *, by: User) -> None:
    """Set (or clear, with an empty reference) the procedure that governs a document type."""
    row = db.session.scalar(select(DocumentProcedure).where(DocumentProcedure.doc_type == doc_type))
    reference, title = reference.strip(), title.strip()
    if row is None:
        if not reference:
            return
        row = DocumentProcedure(doc_type=doc_type, reference=reference, title=title, updated_by_id=by.id)
        db.session.add(row)
    elif (row.reference, row.title) != (reference, title):
        row.reference, row.title, row.updated_by_id = reference, title, by.id
    db.session.flush()
