"""What every context builder returns (`Source`) and the helpers they share: text of a value, signature rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select

from app.db import stated_id
from app.extensions import db
from app.formatting import humanise
from app.signatures.models import Signature
from app.signatures.services import SignTarget, check


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
    # The record's part of the document number ("Pump-1.0" -> SOUP-Pump-1.0); None: numbered per year
    # in the order of first issue (ASL-2026-001), for documents that are not one record.
    number_key: str | None = None
    # Variables left out of the content hash: they change without the content changing (a snapshot's date), or
    # repeat what hashed variables say (a heading's copy of a signature's content note).
    volatile: frozenset[str] = frozenset()
    # Who wrote the record and when (name, YYYY-MM-DD), for a record that has an author but no "authored" signature:
    # the document's "Prepared by" (else the person who generated the document).
    author: tuple[str, str] | None = None


# A context builder: the source id as text in, the Source out (SourceNotFound when there is no such record).
Builder = Callable[[str], Source]


R = TypeVar("R")


def source_record(model: type[R], source_id: str, what: str) -> R:
    """The row a document is drawn from, by the id its source names; SourceNotFound says so when there is none
    (an id that is not a row id included)."""
    number = stated_id(source_id)
    found = db.session.get(model, number) if number is not None else None
    if found is None:
        raise SourceNotFound(f"There is no {what} {source_id}.")
    return found


def text(value: Any) -> str:
    """A value as printable text: dates as ISO, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


SIGNED_AT_FORMAT = "%Y-%m-%d %H:%M:%S UTC"


def manifestation_row(signature: Signature, record: str, note: str = "") -> dict[str, str]:
    """How a signature prints (21 CFR 11.50): printed name, date and time with the time zone, meaning, and what
    was signed: the record (its version) and the hash of the signed content; `note` says when that content has
    changed since ("Content changed since signing: ...", empty while it still matches)."""
    return {
        "printed_name": signature.printed_name,
        "meaning": humanise(signature.meaning),
        "signed_at": signature.signed_at.strftime(SIGNED_AT_FORMAT),
        "comment": signature.comment,
        "record": f"{record}, version {signature.entity_version}" if record else f"version {signature.entity_version}",
        "content_hash": signature.content_hash,
        "content_note": note,
    }


def checked_rows(target: SignTarget | None, signatures: Sequence[Signature], record: str) -> list[dict[str, str]]:
    """The manifestation of each signature, checked against the record's content now the way its page checks it
    (`target`, the record's sign target): a signature whose signed content has changed since carries the page's
    note. Without a target (nothing to check against) no signature carries a note."""
    if target is None or not signatures:
        return [manifestation_row(signature, record) for signature in signatures]
    checked = check(target, signatures)
    return [manifestation_row(signature, record, shown.content_note)
            for signature, shown in zip(signatures, checked, strict=True)]


def record_signatures(entity_type: str, entity_id: Any, version: int | None = None) -> list[Signature]:
    """The signatures of a record, oldest first (version None: all versions)."""
    query = select(Signature).where(Signature.entity_type == entity_type, Signature.entity_id == str(entity_id))
    if version is not None:
        query = query.where(Signature.entity_version == version)
    return list(db.session.scalars(query.order_by(Signature.signed_at, Signature.id)))


def signature_rows(entity_type: str, entity_id: Any, version: int | None = None, *, record: str = "",
                   target: Callable[[], SignTarget] | None = None) -> list[dict[str, str]]:
    """The manifestation of each signature of a record (version None: all versions); `record` names it. `target`
    gives the record's sign target, read only when there is a signature to check against it (a release's reads
    every component)."""
    signatures = record_signatures(entity_type, entity_id, version)
    return checked_rows(target() if target is not None and signatures else None, signatures, record)
