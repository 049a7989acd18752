"""Certificates of a supplier: recorded with their evidence, corrected, voided with a reason, and the ones expiring."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import aliased, selectinload

from app.audit import services as audit
from app.db import today, utcnow
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.storage import EVIDENCE_EXTENSIONS, StoredFile, store_upload
from app.suppliers.models import Certificate, CertificateStandard, Supplier, SupplierStatus
from app.suppliers.services.common import require_editor, setting, stale_edit


def _stored_evidence(evidence: Any, by: Any) -> StoredFile | None:
    """A chosen evidence file passes the upload checks (pdf, images, Office) and is stored; none chosen: None."""
    if evidence is None or not getattr(evidence, "filename", ""):
        return None
    return store_upload(
        evidence, EVIDENCE_EXTENSIONS, int(setting("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)), created_by=by,
    )


def add_certificate(
    supplier: Supplier, *, standard: str, number: str, issuer: str, valid_until: date, evidence: Any = None,
    by: Any = None,
) -> Certificate:
    """A certificate with its expiry; the evidence file passes the upload checks (pdf, images, Office)."""
    require_editor(by)
    if standard not in set(CertificateStandard):
        raise ValidationFailed(f"Unknown standard {standard!r}.")
    stored = _stored_evidence(evidence, by)
    certificate = Certificate(
        supplier=supplier, standard=standard, number=number.strip(), issuer=issuer.strip(),
        valid_until=valid_until, evidence_file_id=stored.id if stored else None,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _same_number(one: str, other: str) -> bool:
    """Certificate numbers compare without case and with blanks collapsed ("QMS  123" is "qms 123")."""
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def record_declared_certificate(
    supplier: Supplier, *, standard: str, number: str, valid_until: date, evidence_file_id: int | None,
    source: str, by: Any = None,
) -> Certificate | None:
    """A certificate a supplier declared (an evaluation's answers), entered in the register when QA signs the
    decision: an unknown standard is kept as "other"; nothing is added (None) when the register already holds a
    certificate in force of that standard with the same number (or, without a number, the same expiry)."""
    require_editor(by)
    standard = standard if standard in set(CertificateStandard) else CertificateStandard.OTHER
    number = " ".join(number.split())[:120]
    held = db.session.scalars(select(Certificate).where(
        Certificate.supplier_id == supplier.id, Certificate.standard == standard, Certificate.voided_at.is_(None),
    ))
    for certificate in held:
        if _same_number(certificate.number, number) if number else certificate.valid_until == valid_until:
            return None
    certificate = Certificate(supplier=supplier, standard=standard, number=number, valid_until=valid_until,
                              evidence_file_id=evidence_file_id)
    db.session.add(certificate)
    db.session.flush()
    audit.record("certificate.recorded_from_evaluation", certificate, source=source)
    return certificate


def edit_certificate(
    certificate: Certificate, *, expected_version: int, number: str, issuer: str, valid_until: date,
    evidence: Any = None, by: Any = None,
) -> None:
    """Correct a certificate in force (number, issuer, expiry, evidence); a voided one is frozen, a stale edit refused."""
    require_editor(by)
    if certificate.is_voided:
        raise Conflict("This certificate was voided; it can no longer be changed.")
    if certificate.version != expected_version:
        raise stale_edit("certificate", certificate.id)
    stored = _stored_evidence(evidence, by)
    if stored is not None:
        certificate.evidence_file_id = stored.id
    certificate.number = number.strip()
    certificate.issuer = issuer.strip()
    certificate.valid_until = valid_until
    db.session.flush()


def void_certificate(certificate: Certificate, *, expected_version: int, reason: str, by: Any = None) -> None:
    """Void a certificate with a mandatory reason: kept on record, no longer counted anywhere; never deleted."""
    require_editor(by)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give the reason for voiding the certificate.")
    if certificate.is_voided:
        raise Conflict("This certificate is already voided.")
    if certificate.version != expected_version:
        raise stale_edit("certificate", certificate.id)
    certificate.voided_at = utcnow()
    certificate.voided_by_id = getattr(by, "id", None)
    certificate.void_reason = reason
    db.session.flush()
    audit.record("certificate.voided", certificate, reason=reason)


def _not_renewed(horizon: date) -> Any:
    """No certificate in force of the same supplier and standard runs past the warning window (a renewal received)."""
    renewal = aliased(Certificate)
    return ~exists().where(renewal.supplier_id == Certificate.supplier_id, renewal.standard == Certificate.standard,
                           renewal.voided_at.is_(None), renewal.valid_until > horizon)


def _expiring_query(day: date) -> Select[Any]:
    window = int(setting("CERTIFICATE_EXPIRY_WARN_DAYS", 60))
    inactive = [SupplierStatus.INACTIVE.value, SupplierStatus.DISQUALIFIED.value, SupplierStatus.REJECTED.value]
    return (
        select(Certificate)
        .join(Certificate.supplier)
        .where(Certificate.valid_until <= day + timedelta(days=window), Supplier.status.not_in(inactive))
        .where(Certificate.voided_at.is_(None), _not_renewed(day + timedelta(days=window)))
    )


def certificates_expiring(*, on: date | None = None, limit: int | None = None) -> list[Certificate]:
    """Certificates in force of current suppliers that expired or expire within the warning window, soonest first;
    not one whose renewal (same standard, valid past the window) is in the register."""
    query = (_expiring_query(on or today()).options(selectinload(Certificate.supplier))
             .order_by(Certificate.valid_until, Certificate.id))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def certificates_expiring_counts(*, on: date | None = None) -> tuple[int, int]:
    """How many certificates expire within the window, and how many of them have expired (one count query): the
    certificates by their date index, each one's supplier by its key (not a join over every supplier)."""
    day = on or today()
    window = int(setting("CERTIFICATE_EXPIRY_WARN_DAYS", 60))
    inactive = [SupplierStatus.INACTIVE.value, SupplierStatus.DISQUALIFIED.value, SupplierStatus.REJECTED.value]
    status = select(Supplier.status).where(Supplier.id == Certificate.supplier_id).scalar_subquery()
    row = db.session.execute(
        select(func.count(), func.count().filter(Certificate.valid_until < day))
        .where(Certificate.valid_until <= day + timedelta(days=window), Certificate.voided_at.is_(None),
               status.not_in(inactive), _not_renewed(day + timedelta(days=window)))).one()
    return int(row[0]), int(row[1])
