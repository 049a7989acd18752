"""The one sign step every approval uses: re-check the password, bind to content, record."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from app.audit import services as audit
from app.audit.chain import canonical_json, plain, sha256_hex
from app.audit.models import AuditAction
from app.auth.models import User
from app.auth.services import check_password_for_signature, is_locked, register_failure
from app.db import refuse_changes
from app.errors import DomainError, PermissionDenied
from app.extensions import db
from app.labels import field_label, label
from app.signatures.models import Meaning, Signature
from app.signatures.session import mark_signed


class SignatureRefused(DomainError):
    """A wrong password or a locked account: nothing is signed, but the failed attempt is kept."""

    status_code = 403
    keeps_changes = True


class SeparationOfDuties(PermissionDenied):
    """A user tried to review or approve what they authored."""


@dataclass(frozen=True)
class SignTarget:
    """What is signed: a record version and a plain-data copy of its content."""

    entity_type: str
    entity_id: str
    version: int
    content: Mapping[str, Any]
    author_ids: frozenset[int] = frozenset()
    # True: a signature stays bound to the record's content whatever its version since (a purchase record sent
    # and received is still the reviewed one). False: the version names what was signed and only signatures of
    # that version are compared: a protocol or report version (the next version is another document) or a
    # decision taken on one version of a record that then legitimately moves on (a supplier's status change).
    lasting: bool = True


def content_hash(content: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of the signed content."""
    return sha256_hex(canonical_json(content))


_RECORD_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,79}$")


def separation_rules(configured: object) -> dict[str, frozenset[str]]:
    """The SEPARATION_OF_DUTIES setting read as record type -> meanings one person may not combine; a rule that
    names an unknown meaning, or fewer than two, is refused (ValueError) so a typo cannot switch a rule off."""
    if not isinstance(configured, Mapping):
        raise ValueError("SEPARATION_OF_DUTIES must map a record type to a list of signature meanings.")
    rules: dict[str, frozenset[str]] = {}
    for record_type, meanings in configured.items():
        if not isinstance(record_type, str) or not _RECORD_TYPE.match(record_type):
            raise ValueError(f"SEPARATION_OF_DUTIES: {record_type!r} is not a record type (e.g. \"protocol\").")
        if isinstance(meanings, str) or not isinstance(meanings, Iterable) or not all(
                isinstance(meaning, str) for meaning in meanings):
            raise ValueError(f"SEPARATION_OF_DUTIES[{record_type!r}] must be a list of signature meanings.")
        chosen = frozenset(meanings)
        unknown = sorted(str(meaning) for meaning in chosen - set(Meaning.ALL))
        if unknown:
            raise ValueError(f"SEPARATION_OF_DUTIES[{record_type!r}]: unknown meaning {', '.join(unknown)} "
                             f"(known: {', '.join(Meaning.ALL)}).")
        if len(chosen) < 2:
            raise ValueError(f"SEPARATION_OF_DUTIES[{record_type!r}] names fewer than two meanings to keep apart.")
        rules[record_type] = chosen
    return rules


def init_app(app: Flask) -> None:
    """Read the separation-of-duties rule set once, when the app is built: a bad setting stops the start."""
    app.extensions["signatures.separation"] = separation_rules(app.config["SEPARATION_OF_DUTIES"])


def separate_meanings(entity_type: str) -> frozenset[str]:
    """The meanings one person may not combine on one version of this record type (the configured rule set)."""
    rules: Mapping[str, frozenset[str]] = current_app.extensions["signatures.separation"]
    return rules.get(entity_type, frozenset())


def separation_refusal(target: SignTarget, signer: User, meaning: str,
                       signed: Sequence[Signature] | None = None) -> str | None:
    """Why the separation of duties keeps this person from signing this record version with this meaning (None:
    it does not): nobody reviews or approves their own work, nor takes two separate roles on one record version.

    signed: the record's signatures when the caller read them for many records at once (else they are read)."""
    if meaning in (Meaning.REVIEWED, Meaning.APPROVED, Meaning.VERIFIED) and signer.id in target.author_ids:
        return "You cannot review or approve a record you authored or executed."
    separate = separate_meanings(target.entity_type)
    if meaning not in separate:
        return None
    for signature in signatures_for(target.entity_type, target.entity_id) if signed is None else signed:
        if (signature.signer_id == signer.id and signature.entity_version == target.version
                and signature.meaning in separate and signature.meaning != meaning):
            return (f"You signed this {label(target.entity_type).lower()} as {label(signature.meaning).lower()}; "
                    f"signing it as {label(meaning).lower()} needs another person (separation of duties).")
    return None


def may_sign(target: SignTarget, signer: User, meaning: str, signed: Sequence[Signature] | None = None) -> bool:
    """The separation of duties lets this person sign this record version with this meaning (pages offer the form)."""
    return separation_refusal(target, signer, meaning, signed) is None


def require_not_author(target: SignTarget, signer: User, meaning: str) -> None:
    """Refuse (SeparationOfDuties) a signature the separation of duties does not allow."""
    refusal = separation_refusal(target, signer, meaning)
    if refusal is not None:
        raise SeparationOfDuties(refusal)


def sign(target: SignTarget, signer: User, *, password: str, meaning: str, comment: str = "") -> Signature:
    """Sign a record version: the password is checked every time; a wrong one is refused and audited."""
    if meaning not in Meaning.ALL:
        raise SignatureRefused(f"Unknown signature meaning {meaning!r}.")
    require_not_author(target, signer, meaning)
    counted = not is_locked(signer) and signer.active  # a locked or inactive account's attempt counts no failure
    if not check_password_for_signature(signer, password):
        refused_target = f"{target.entity_type}#{target.entity_id}"
        audit.record("signature.refused", signer, action=AuditAction.LOGIN_FAILED, target=refused_target,
                     meaning=meaning)
        refusal = SignatureRefused("The password is not correct (or the account is locked). Nothing was signed.")
        signer_id = signer.id
        refusal.replay = lambda: _refused_again(signer_id, counted, refused_target, meaning)
        raise refusal
    signature = Signature(
        entity_type=target.entity_type,
        entity_id=str(target.entity_id),
        entity_version=target.version,
        content_hash=content_hash(target.content),
        signer_id=signer.id,
        printed_name=signer.full_name,
        meaning=meaning,
        comment=comment.strip(),
        content=plain(dict(target.content)),
    )
    db.session.add(signature)
    db.session.flush()
    mark_signed(signer)
    audit.record(
        "signature.signed", signature, action=AuditAction.SIGN,
        meaning=meaning, target=f"{target.entity_type}#{target.entity_id} v{target.version}",
        content_hash=signature.content_hash,
    )
    return signature


def _refused_again(signer_id: int, counted: bool, target: str, meaning: str) -> None:
    """A refused signature's failure count and audit event, recorded again once the rest of the work is rolled back
    (the record the service had begun before signing is not kept: SignatureRefused.replay)."""
    signer = db.session.get(User, signer_id)
    if signer is None:
        return
    if counted:
        register_failure(signer)
    audit.record("signature.refused", signer, action=AuditAction.LOGIN_FAILED, target=target, meaning=meaning)


def signatures_for(entity_type: str, entity_id: Any) -> list[Signature]:
    """Every signature of a record, oldest first."""
    return signatures_for_records(entity_type, [entity_id]).get(str(entity_id), [])


def signatures_for_records(entity_type: str, entity_ids: Iterable[Any]) -> dict[str, list[Signature]]:
    """Every signature of many records of one type in one query, oldest first, by entity id (a record without
    signatures is absent; no records, no query)."""
    wanted = {str(entity_id) for entity_id in entity_ids}
    if not wanted:
        return {}
    query = (
        select(Signature)
        .where(Signature.entity_type == entity_type, Signature.entity_id.in_(wanted))
        .order_by(Signature.signed_at, Signature.id)
    )
    found: dict[str, list[Signature]] = {}
    for signature in db.session.scalars(query):
        found.setdefault(signature.entity_id, []).append(signature)
    return found


def has_signature(entity_type: str, entity_id: Any, version: int, meaning: str) -> bool:
    """True when the record version carries a signature with this meaning."""
    return any(s.entity_version == version and s.meaning == meaning for s in signatures_for(entity_type, entity_id))


CONTENT_CHANGED = "Content changed since signing"


@dataclass(frozen=True)
class Manifestation:
    printed_name: str
    meaning: str
    signed_at: str
    comment: str
    version: int
    content_changed: bool
    changed_fields: tuple[str, ...] = ()

    @property
    def content_note(self) -> str:
        """What a reader is told beside a signature whose signed content has changed since ("Content changed since
        signing: Specification", as the page says it); empty while the content still matches."""
        if not self.content_changed:
            return ""
        fields = ", ".join(field_label(name) for name in self.changed_fields)
        return f"{CONTENT_CHANGED}: {fields}" if fields else CONTENT_CHANGED


def bound_version(target: SignTarget, versions: Iterable[int]) -> int | None:
    """The signed version the record's current content must still match: the target's own version, or for a
    lasting signature the newest signed version up to it (later versions moved the record on without a new
    signature, e.g. sent and received). Older signed versions were superseded by a newer signature."""
    if not target.lasting:
        return target.version
    earlier = [version for version in versions if version <= target.version]
    return max(earlier) if earlier else None


def changed_fields(signed: Mapping[str, Any] | None, current: Mapping[str, Any]) -> tuple[str, ...]:
    """The top-level fields whose signed value differs from the value now (empty when not known)."""
    if signed is None:
        return ()
    now = plain(dict(current))
    return tuple(sorted(key for key in set(signed) | set(now) if signed.get(key) != now.get(key)))


def check(target: SignTarget, signatures: Sequence[Signature]) -> list[Manifestation]:
    """Each signature as it shows, flagged when the content it bound (per `bound_version`) has changed."""
    current = content_hash(target.content)
    bound = bound_version(target, [signature.entity_version for signature in signatures])
    result = []
    for signature in signatures:
        changed = signature.entity_version == bound and signature.content_hash != current
        result.append(Manifestation(
            printed_name=signature.printed_name,
            meaning=signature.meaning,
            signed_at=signature.signed_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            comment=signature.comment,
            version=signature.entity_version,
            content_changed=changed,
            changed_fields=changed_fields(signature.content, target.content) if changed else (),
        ))
    return result


def manifestations(target: SignTarget) -> list[Manifestation]:
    """How each signature of the record shows, flagging those whose signed content no longer matches."""
    return check(target, signatures_for(target.entity_type, target.entity_id))


refuse_changes(Signature, SignatureRefused, changed="Signatures cannot be changed.",
               deleted="Signatures cannot be deleted.")
