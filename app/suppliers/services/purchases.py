"""Purchase records: purchasing information for an approved supplier, QA's signed adequacy review, sending, the
verification on receipt, and the purchase list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.auth.models import User
from app.db import row_id, utcnow
from app.errors import PermissionDenied, StaleEdit, ValidationFailed
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning
from app.suppliers import policies
from app.suppliers.models import PurchaseRecord, PurchaseStatus, ReceiptResult, Supplier
from app.suppliers.services.common import contains_text, query_arg, search_arg
from app.suppliers.workflow import APPROVED_STATUSES, IllegalTransition, purchase_transition


@dataclass
class PurchaseInput:
    """The purchasing information a person types (shape checked by the form)."""

    product: str
    product_version: str = ""
    reference: str = ""
    specification: str = ""
    acceptance_criteria: str = ""
    qms_requirements: str = ""
    change_notification_agreed: bool = False
    licence: str = ""
    quantity: str = ""
    process_requirements: str = ""
    personnel_requirements: str = ""

# Fields added after purchase records were first signed: part of the signed content only when filled in, so the
# content hash of a record signed before they existed stays the same.
LATER_FIELDS = ("quantity", "process_requirements", "personnel_requirements")


def _require_approved_supplier(supplier: Supplier) -> None:
    """Purchases go only to approved or conditionally approved suppliers."""
    if supplier.status not in APPROVED_STATUSES:
        raise ValidationFailed(
            f"Purchases are only placed with approved or conditionally approved suppliers; "
            f"{supplier.name} is {supplier.status.replace('_', ' ')}."
        )


def _apply_purchase(purchase: PurchaseRecord, data: PurchaseInput) -> None:
    """Copy the purchasing information onto the record; it names a product, and its order reference (if any) is
    no other purchase record's (documents are filed under it)."""
    if not data.product.strip():
        raise ValidationFailed("Name the product being purchased.")
    purchase.product = data.product.strip()
    purchase.product_version = data.product_version.strip()
    reference = data.reference.strip()
    if reference and reference.lower() != (purchase.reference or "").lower():
        with db.session.no_autoflush:  # a new record is not in the session yet
            taken = db.session.execute(
                select(PurchaseRecord.id, Supplier.name).join(Supplier, Supplier.id == PurchaseRecord.supplier_id)
                .where(func.lower(PurchaseRecord.reference) == reference.lower(),
                       PurchaseRecord.id != (purchase.id or 0)).limit(1)).first()
        if taken is not None:
            raise ValidationFailed(f"The order reference {reference} is already used by purchase record #{taken[0]} "
                                   f"({taken[1]}): give this purchase its own reference.")
    purchase.reference = reference
    purchase.specification = data.specification.strip()
    purchase.acceptance_criteria = data.acceptance_criteria.strip()
    purchase.qms_requirements = data.qms_requirements.strip()
    purchase.change_notification_agreed = data.change_notification_agreed
    purchase.licence = data.licence.strip()
    purchase.quantity = data.quantity.strip()
    purchase.process_requirements = data.process_requirements.strip()
    purchase.personnel_requirements = data.personnel_requirements.strip()


# A published digest: "sha256:<hex>", "SHA-256 <hex>" or the hex alone (MD5 32 digits up to SHA-512 128).
_DIGEST = re.compile(r"(?:[A-Za-z0-9-]{2,12}[:= ]\s*)?[0-9A-Fa-f]{32,128}")


def create_purchase(supplier: Supplier, data: PurchaseInput, *, by: User) -> PurchaseRecord:
    """Purchasing information for an approved or conditionally approved supplier only; starts as a draft."""
    if not policies.can_edit_purchase(by):
        raise PermissionDenied("You may not write purchase records.")
    _require_approved_supplier(supplier)
    purchase = PurchaseRecord(supplier=supplier, status=PurchaseStatus.DRAFT, created_by_id=by.id)
    _apply_purchase(purchase, data)
    db.session.add(purchase)
    db.session.flush()
    return purchase


def update_purchase(purchase: PurchaseRecord, data: PurchaseInput, *, expected_version: int, by: User) -> None:
    """Only a draft can change; an edit of an older version is refused as stale."""
    if purchase.status != PurchaseStatus.DRAFT:
        raise IllegalTransition("This purchase record was reviewed and can no longer change.")
    if not policies.can_edit_purchase(by, purchase):
        raise PermissionDenied("You may not change this purchase record.")
    if purchase.version != expected_version:
        raise StaleEdit()
    _apply_purchase(purchase, data)
    db.session.flush()


def purchase_content(purchase: PurchaseRecord) -> dict[str, Any]:
    """The purchasing information that the adequacy review signs."""
    return {
        "supplier": purchase.supplier.code, "reference": purchase.reference, "product": purchase.product,
        "product_version": purchase.product_version, "specification": purchase.specification,
        "acceptance_criteria": purchase.acceptance_criteria, "qms_requirements": purchase.qms_requirements,
        "change_notification_agreed": purchase.change_notification_agreed, "licence": purchase.licence,
        **{name: getattr(purchase, name) for name in LATER_FIELDS if getattr(purchase, name)},
    }


def purchase_sign_target(purchase: PurchaseRecord) -> signatures.SignTarget:
    """The reviewed version of a purchase record (author excluded from approving it)."""
    version = purchase.version if purchase.status == PurchaseStatus.DRAFT else purchase.version - 1
    authors = frozenset({purchase.created_by_id}) if purchase.created_by_id else frozenset()
    return signatures.SignTarget("purchase_record", str(purchase.id), version, purchase_content(purchase), authors)


def approve_purchase(purchase: PurchaseRecord, *, signer: User, password: str, comment: str = "") -> None:
    """QA signs the adequacy of the purchasing information before it is sent (not the author's own)."""
    if not policies.can_approve_purchase(signer, purchase):
        raise PermissionDenied("Only QA, and not the author, reviews the adequacy of a purchase record.")
    if purchase.status != PurchaseStatus.DRAFT:
        raise IllegalTransition("Only a draft purchase record is reviewed.")
    _require_approved_supplier(purchase.supplier)
    signatures.sign(purchase_sign_target(purchase), signer, password=password, meaning=Meaning.APPROVED, comment=comment)
    purchase_transition(purchase, PurchaseStatus.APPROVED)
    db.session.flush()


def mark_purchase_sent(purchase: PurchaseRecord, *, by: User) -> None:
    """An adequacy-reviewed purchase is sent to an approved supplier."""
    if not policies.can_verify_receipt(by):
        raise PermissionDenied("You may not send purchase records.")
    _require_approved_supplier(purchase.supplier)
    purchase_transition(purchase, PurchaseStatus.SENT)
    purchase.sent_at = utcnow()
    db.session.flush()


@dataclass
class ReceiptInput:
    """What was checked when a delivery arrived, and the result."""

    received_version: str
    version_checked: bool
    checksum: str
    checksum_checked: bool
    licence_checked: bool
    installation_checked: bool
    validation_reference: str
    result: str
    notes: str = ""


RECEIPT_ENTITY = "purchase_receipt"


def receipt_content(purchase: PurchaseRecord, data: ReceiptInput) -> dict[str, Any]:
    """What the person verifying a delivery signs: the order and every check with its result."""
    return {
        "purchase": purchase.id, "reference": purchase.reference, "product": purchase.product,
        "ordered_version": purchase.product_version, "received_version": data.received_version.strip(),
        "version_checked": data.version_checked, "checksum": data.checksum.strip(),
        "checksum_checked": data.checksum_checked, "licence_checked": data.licence_checked,
        "installation_checked": data.installation_checked, "validation_reference": data.validation_reference.strip(),
        "result": data.result, "notes": data.notes.strip(),
    }


def receipt_sign_target(purchase: PurchaseRecord, data: ReceiptInput | None = None) -> signatures.SignTarget:
    """The receipt verification as signed (ISO 13485 7.4.3 record, e-signed with the meaning "verified")."""
    if data is None:
        data = ReceiptInput(
            received_version=purchase.received_version, version_checked=purchase.version_checked,
            checksum=purchase.checksum, checksum_checked=purchase.checksum_checked,
            licence_checked=purchase.licence_checked, installation_checked=purchase.installation_checked,
            validation_reference=purchase.validation_reference, result=purchase.receipt_result,
            notes=purchase.receipt_notes,
        )
    return signatures.SignTarget(RECEIPT_ENTITY, str(purchase.id), 1, receipt_content(purchase, data))


def verify_receipt(purchase: PurchaseRecord, data: ReceiptInput, *, by: User, password: str, comment: str = "") -> None:
    """Record what was checked on receipt, the result, who and when, signed by the verifier (meaning "verified");
    accepting needs every check or a validation link."""
    if not policies.can_verify_receipt(by):
        raise PermissionDenied("You may not verify receipts.")
    if data.result not in set(ReceiptResult):
        raise ValidationFailed("Choose the result of the verification.")
    if data.checksum.strip() and not _DIGEST.fullmatch(data.checksum.strip()):
        raise ValidationFailed(f"{data.checksum.strip()[:80]!r} is not a checksum: enter the digest as published, "
                               "e.g. sha256:9f86d08188... (an algorithm and 32 to 128 hexadecimal digits).")
    if data.result == ReceiptResult.ACCEPTED:
        if not data.version_checked:
            raise ValidationFailed("Accepting a delivery needs the version check.")
        if data.received_version.strip() and purchase.product_version and (
            data.received_version.strip() != purchase.product_version
        ):
            raise ValidationFailed(
                f"The received version {data.received_version.strip()} differs from the ordered "
                f"{purchase.product_version}: reject the delivery or raise a new purchase record."
            )
        if data.checksum_checked and not data.checksum.strip():
            raise ValidationFailed("Enter the checksum that was checked.")
        if not data.licence_checked:
            raise ValidationFailed("Accepting a delivery needs the licence check.")
        if not (data.installation_checked or data.validation_reference.strip()):
            raise ValidationFailed("Accepting a delivery needs an installation check or a link to a validation.")
    elif not data.notes.strip():
        raise ValidationFailed("Say why the delivery is rejected.")
    if purchase.status != PurchaseStatus.SENT:
        raise IllegalTransition("Only a purchase record marked as sent is verified on receipt.")
    signatures.sign(receipt_sign_target(purchase, data), by, password=password, meaning=Meaning.VERIFIED,
                    comment=comment)
    purchase_transition(purchase, PurchaseStatus.VERIFIED)
    purchase.received_version = data.received_version.strip()
    purchase.version_checked = data.version_checked
    purchase.checksum = data.checksum.strip()
    purchase.checksum_checked = data.checksum_checked
    purchase.licence_checked = data.licence_checked
    purchase.installation_checked = data.installation_checked
    purchase.validation_reference = data.validation_reference.strip()
    purchase.receipt_result = data.result
    purchase.receipt_notes = data.notes.strip()
    purchase.verified_by_id = by.id
    purchase.verified_at = utcnow()
    db.session.flush()
    audit.record("purchase.receipt_verified", purchase, result=data.result)


@dataclass(frozen=True)
class PurchaseFilters:
    """The purchase list's search and filters."""

    q: str = ""
    status: str = ""
    result: str = ""
    supplier_id: int | None = None

    @classmethod
    def from_args(cls, args: Any) -> PurchaseFilters:
        """Filters from a query string; unknown values fall back to no filter."""
        return cls(
            q=search_arg(args),
            status=query_arg(args, "status", set(PurchaseStatus)),
            result=query_arg(args, "result", set(ReceiptResult)),
            supplier_id=args.get("supplier_id", type=row_id) if hasattr(args, "getlist") else None,
        )


def purchase_query(filters: PurchaseFilters) -> Select[Any]:
    """Purchase records, newest first, with their supplier loaded in the same query."""
    query = select(PurchaseRecord).join(PurchaseRecord.supplier).options(
        joinedload(PurchaseRecord.supplier), joinedload(PurchaseRecord.verified_by)
    )
    if filters.q:
        query = query.where(contains_text(
            filters.q, PurchaseRecord.product, PurchaseRecord.reference, Supplier.name, Supplier.code,
        ))
    if filters.status:
        query = query.where(PurchaseRecord.status == filters.status)
    if filters.result:
        query = query.where(PurchaseRecord.receipt_result == filters.result)
    if filters.supplier_id:
        query = query.where(PurchaseRecord.supplier_id == filters.supplier_id)
    return query.order_by(PurchaseRecord.id.desc())
