"""Rules and writes of the supplier register. Services flush; the view or CLI commits."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.errors import Conflict, PermissionDenied, StaleEdit, ValidationFailed
from app.extensions import db
from app.signatures import services as signatures
from app.signatures.models import Meaning
from app.storage import EVIDENCE_EXTENSIONS, store_upload
from app.suppliers import policies, rules
from app.suppliers.models import (
    Certificate,
    CertificateStandard,
    Criticality,
    PerformanceEvent,
    PerformanceEventType,
    PurchaseRecord,
    PurchaseStatus,
    ReceiptResult,
    Severity,
    Supplier,
    SupplierContact,
    SupplierKind,
    SupplierStatus,
)
from app.suppliers.workflow import APPROVED_STATUSES, IllegalTransition, can_move, purchase_transition, transition

DECISIONS = (SupplierStatus.APPROVED, SupplierStatus.CONDITIONALLY_APPROVED, SupplierStatus.REJECTED)


def _setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default) if has_app_context() else default


def today() -> date:
    """Today's date in UTC (the app's clock for due dates)."""
    return utcnow().date()


# --- Criticality and periods ----------------------------------------------------------------------


def default_criticality(
    *, supplies_soup_class_c: bool = False, supplies_high_risk_otss: bool = False, hosts_device: bool = False,
    supplies_soup_class_b: bool = False, otss_holds_part11_records: bool = False,
    manual: str | None = None, rationale: str = "",
) -> rules.CriticalityResult:
    """domain.md's default criticality rule over plain facts, unless set by hand with a rationale."""
    facts = rules.CriticalityFacts(
        supplies_soup_class_c=supplies_soup_class_c, supplies_high_risk_otss=supplies_high_risk_otss,
        hosts_device=hosts_device, supplies_soup_class_b=supplies_soup_class_b,
        otss_holds_part11_records=otss_holds_part11_records,
    )
    try:
        return rules.resolve_criticality(facts, manual, rationale)
    except rules.ManualCriticalityNeedsRationale as error:
        raise ValidationFailed(str(error)) from error


def facts_of(supplier: Supplier) -> rules.CriticalityFacts:
    """The criticality facts recorded on a supplier."""
    return rules.CriticalityFacts(
        supplies_soup_class_c=supplier.supplies_soup_class_c, supplies_high_risk_otss=supplier.supplies_high_risk_otss,
        hosts_device=supplier.hosts_device, supplies_soup_class_b=supplier.supplies_soup_class_b,
        otss_holds_part11_records=supplier.otss_holds_part11_records,
    )


def reevaluation_period_months(criticality: str, decision: str) -> int:
    """Months to the next re-evaluation (settings): critical 12, major 24, minor 36, conditional 6."""
    return rules.reevaluation_period_months(
        criticality, decision,
        periods=_setting("SUPPLIER_REEVALUATION_MONTHS", rules.DEFAULT_PERIOD_MONTHS),
        conditional_months=int(_setting("SUPPLIER_CONDITIONAL_REEVALUATION_MONTHS", rules.DEFAULT_CONDITIONAL_MONTHS)),
    )


# --- Register: create, edit, contacts -------------------------------------------------------------


@dataclass
class SupplierInput:
    """What a person types to create or edit a supplier (shape checked by the form)."""

    code: str
    name: str
    kind: str = SupplierKind.COMMERCIAL_VENDOR
    website: str = ""
    repository_url: str = ""
    scope: str = ""
    notes: str = ""
    supplies_soup_class_c: bool = False
    supplies_soup_class_b: bool = False
    supplies_high_risk_otss: bool = False
    otss_holds_part11_records: bool = False
    hosts_device: bool = False
    manual_criticality: str = ""  # '' = use the default rule
    criticality_rationale: str = ""
    contacts: list[tuple[str, str, str]] = field(default_factory=list)  # (name, email, role), create only


def _require_editor(user: Any) -> None:
    if user is not None and not policies.can_edit_suppliers(user):
        raise PermissionDenied("You may not change the supplier register.")


def _apply_input(supplier: Supplier, data: SupplierInput) -> None:
    if data.kind not in set(SupplierKind):
        raise ValidationFailed(f"Unknown supplier kind {data.kind!r}.")
    result = default_criticality(
        supplies_soup_class_c=data.supplies_soup_class_c, supplies_high_risk_otss=data.supplies_high_risk_otss,
        hosts_device=data.hosts_device, supplies_soup_class_b=data.supplies_soup_class_b,
        otss_holds_part11_records=data.otss_holds_part11_records,
        manual=data.manual_criticality or None, rationale=data.criticality_rationale,
    )
    supplier.code = data.code.strip()
    supplier.name = data.name.strip()
    supplier.kind = data.kind
    supplier.website = data.website.strip()
    supplier.repository_url = data.repository_url.strip()
    supplier.scope = data.scope.strip()
    supplier.notes = data.notes.strip()
    supplier.supplies_soup_class_c = data.supplies_soup_class_c
    supplier.supplies_soup_class_b = data.supplies_soup_class_b
    supplier.supplies_high_risk_otss = data.supplies_high_risk_otss
    supplier.otss_holds_part11_records = data.otss_holds_part11_records
    supplier.hosts_device = data.hosts_device
    supplier.criticality = result.criticality
    supplier.criticality_is_manual = result.is_manual
    supplier.criticality_rationale = result.rationale


def _require_unique_code(code: str, supplier_id: int | None = None) -> None:
    query = select(Supplier.id).where(func.lower(Supplier.code) == code.strip().lower())
    if supplier_id is not None:
        query = query.where(Supplier.id != supplier_id)
    if not code.strip():
        raise ValidationFailed("Give the supplier a code.")
    if db.session.scalar(query) is not None:
        raise ValidationFailed(f"The code {code.strip()} is already used by another supplier.")


def create_supplier(data: SupplierInput, *, by: Any = None) -> Supplier:
    """A new supplier starts as a candidate; its code is unique; criticality follows the rule or a rationale."""
    _require_editor(by)
    _require_unique_code(data.code)
    supplier = Supplier(status=SupplierStatus.CANDIDATE)
    _apply_input(supplier, data)
    for name, email, role in data.contacts:
        if name.strip():
            supplier.contacts.append(SupplierContact(name=name.strip(), email=email.strip(), role=role.strip()))
    db.session.add(supplier)
    db.session.flush()
    return supplier


def update_supplier(supplier: Supplier, data: SupplierInput, *, expected_version: int, by: Any = None) -> None:
    """Edit the register entry; an edit made on an older version is refused as stale (409)."""
    _require_editor(by)
    if supplier.version != expected_version:
        raise StaleEdit(changes=[
            f"{event.occurred_at:%Y-%m-%d %H:%M} {event.name or event.action} by {event.actor_name}"
            for event in audit.history("supplier", supplier.id, 5)
        ])
    _require_unique_code(data.code, supplier.id)
    _apply_input(supplier, data)
    db.session.flush()


def add_contact(supplier: Supplier, *, name: str, email: str, role: str, by: Any = None) -> SupplierContact:
    """A named contact; the e-mail is where questionnaires go."""
    _require_editor(by)
    if not name.strip():
        raise ValidationFailed("Give the contact's name.")
    contact = SupplierContact(name=name.strip(), email=email.strip(), role=role.strip())
    supplier.contacts.append(contact)
    db.session.flush()
    return contact


def remove_contact(contact: SupplierContact, *, by: Any = None) -> None:
    """Remove a contact (the audit trail keeps what it was)."""
    _require_editor(by)
    db.session.delete(contact)
    db.session.flush()


# --- Status: evaluation, decision, QA status changes --------------------------------------------


def start_evaluation_status(supplier: Supplier, *, reason: str = "Evaluation started") -> None:
    """Put the supplier under evaluation (no-op when it already is); raises IllegalTransition when it may not be."""
    if supplier.status == SupplierStatus.UNDER_EVALUATION:
        return
    transition(supplier, SupplierStatus.UNDER_EVALUATION, reason=reason)
    db.session.flush()


def apply_decision(
    supplier: Supplier, *, decision: str, approval_scope: str, conditions: str, decided_at: datetime,
    decided_by: User,
) -> None:
    """QA's signed evaluation decision sets status, scope, conditions and next due = date + period."""
    if decision not in set(DECISIONS):
        raise ValidationFailed(f"Unknown decision {decision!r}.")
    if decision == SupplierStatus.CONDITIONALLY_APPROVED and not conditions.strip():
        raise ValidationFailed("A conditional approval needs its conditions.")
    if not policies.can_decide(decided_by):
        raise PermissionDenied("Only QA decides on a supplier.")
    transition(supplier, SupplierStatus(decision), reason=f"Evaluation decision: {decision.replace('_', ' ')}")
    if decision == SupplierStatus.REJECTED:
        supplier.approval_scope = ""
        supplier.conditions = ""
        supplier.next_reevaluation_due = None
    else:
        months = reevaluation_period_months(supplier.criticality, decision)
        supplier.approval_scope = approval_scope.strip()
        supplier.conditions = conditions.strip() if decision == SupplierStatus.CONDITIONALLY_APPROVED else ""
        supplier.approved_at = decided_at
        supplier.approved_by_id = decided_by.id
        supplier.next_reevaluation_due = rules.next_due(decided_at.date(), months)
    db.session.flush()
    audit.record(
        "supplier.decided", supplier, decision=decision, approval_scope=supplier.approval_scope,
        conditions=supplier.conditions, next_reevaluation_due=supplier.next_reevaluation_due,
        decided_by=decided_by.full_name,
    )


# QA's status changes outside an evaluation: name -> (target status, signature meaning)
STATUS_ACTIONS: dict[str, tuple[SupplierStatus, str]] = {
    "suspend": (SupplierStatus.SUSPENDED, Meaning.APPROVED),
    "reactivate": (SupplierStatus.APPROVED, Meaning.APPROVED),
    "disqualify": (SupplierStatus.DISQUALIFIED, Meaning.REJECTED),
    "inactivate": (SupplierStatus.INACTIVE, Meaning.APPROVED),
    "reevaluate": (SupplierStatus.UNDER_EVALUATION, Meaning.APPROVED),
}


def available_actions(supplier: Supplier) -> list[str]:
    """The status actions the table allows from the supplier's current status."""
    return [name for name, (target, _m) in STATUS_ACTIONS.items() if can_move(supplier.status, target)]


def supplier_content(supplier: Supplier) -> dict[str, Any]:
    """The plain content of a supplier record that a signature binds to."""
    return {
        "code": supplier.code, "name": supplier.name, "kind": supplier.kind, "scope": supplier.scope,
        "criticality": supplier.criticality, "criticality_rationale": supplier.criticality_rationale,
        "status": supplier.status, "approval_scope": supplier.approval_scope, "conditions": supplier.conditions,
        "next_reevaluation_due": supplier.next_reevaluation_due.isoformat() if supplier.next_reevaluation_due else None,
    }


def sign_target(supplier: Supplier) -> signatures.SignTarget:
    """The supplier as a signable record (its current version and content)."""
    return signatures.SignTarget("supplier", str(supplier.id), supplier.version, supplier_content(supplier))


def change_status(supplier: Supplier, action: str, *, reason: str, signer: User, password: str) -> None:
    """QA suspends, reactivates, disqualifies, inactivates or recalls for re-evaluation: a signed decision."""
    if not policies.can_decide(signer):
        raise PermissionDenied("Only QA changes a supplier's status.")
    if action not in STATUS_ACTIONS:
        raise ValidationFailed(f"Unknown status action {action!r}.")
    target, meaning = STATUS_ACTIONS[action]
    if not can_move(supplier.status, target):
        raise IllegalTransition(
            f"A supplier cannot go from {supplier.status.replace('_', ' ')} to {target.value.replace('_', ' ')}."
        )
    if not reason.strip():
        raise ValidationFailed("Give a reason for the status change.")
    content = {**supplier_content(supplier), "decision": action, "new_status": target.value, "reason": reason.strip()}
    signatures.sign(
        signatures.SignTarget("supplier", str(supplier.id), supplier.version, content), signer,
        password=password, meaning=meaning, comment=f"{action.capitalize()}: {reason.strip()}",
    )
    transition(supplier, target, reason=reason)
    if target == SupplierStatus.UNDER_EVALUATION:
        supplier.next_reevaluation_due = min(filter(None, [supplier.next_reevaluation_due, today()]))
    db.session.flush()


# --- Certificates and performance events ----------------------------------------------------------


def add_certificate(
    supplier: Supplier, *, standard: str, number: str, issuer: str, valid_until: date, evidence: Any = None,
    by: Any = None,
) -> Certificate:
    """A certificate with its expiry; the evidence file passes the upload checks (pdf, images, Office)."""
    _require_editor(by)
    if standard not in set(CertificateStandard):
        raise ValidationFailed(f"Unknown standard {standard!r}.")
    stored = None
    if evidence is not None and bool(getattr(evidence, "filename", "")):
        stored = store_upload(
            evidence, EVIDENCE_EXTENSIONS, int(_setting("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)), created_by=by,
        )
    certificate = Certificate(
        supplier=supplier, standard=standard, number=number.strip(), issuer=issuer.strip(),
        valid_until=valid_until, evidence_file_id=stored.id if stored else None,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _stale(entity_type: str, entity_id: int) -> StaleEdit:
    return StaleEdit(changes=[
        f"{event.occurred_at:%Y-%m-%d %H:%M} {event.name or event.action} by {event.actor_name}"
        for event in audit.history(entity_type, entity_id, 5)
    ])


def edit_certificate(
    certificate: Certificate, *, expected_version: int, number: str, issuer: str, valid_until: date,
    evidence: Any = None, by: Any = None,
) -> None:
    """Correct a certificate in force (number, issuer, expiry, evidence); a voided one is frozen, a stale edit refused."""
    _require_editor(by)
    if certificate.is_voided:
        raise Conflict("This certificate was voided; it can no longer be changed.")
    if certificate.version != expected_version:
        raise _stale("certificate", certificate.id)
    if evidence is not None and bool(getattr(evidence, "filename", "")):
        stored = store_upload(
            evidence, EVIDENCE_EXTENSIONS, int(_setting("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)), created_by=by,
        )
        certificate.evidence_file_id = stored.id
    certificate.number = number.strip()
    certificate.issuer = issuer.strip()
    certificate.valid_until = valid_until
    db.session.flush()


def void_certificate(certificate: Certificate, *, expected_version: int, reason: str, by: Any = None) -> None:
    """Void a certificate with a mandatory reason: kept on record, no longer counted anywhere; never deleted."""
    _require_editor(by)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give the reason for voiding the certificate.")
    if certificate.is_voided:
        raise Conflict("This certificate is already voided.")
    if certificate.version != expected_version:
        raise _stale("certificate", certificate.id)
    certificate.voided_at = utcnow()
    certificate.voided_by_id = getattr(by, "id", None)
    certificate.void_reason = reason
    db.session.flush()
    audit.record("certificate.voided", certificate, reason=reason)


def record_performance_event(
    supplier: Supplier, *, occurred_on: date, type: str, severity: str, reference: str, description: str,
    by: Any = None,
) -> PerformanceEvent:
    """Log a performance event; a high-severity one on an approved supplier brings its re-evaluation due to today."""
    _require_editor(by)
    if type not in set(PerformanceEventType):
        raise ValidationFailed(f"Unknown event type {type!r}.")
    if severity not in set(Severity):
        raise ValidationFailed(f"Unknown severity {severity!r}.")
    if occurred_on > today():
        raise ValidationFailed("A performance event cannot be in the future.")
    event = PerformanceEvent(
        supplier=supplier, occurred_on=occurred_on, type=type, severity=severity, reference=reference.strip(),
        description=description.strip(), recorded_by_id=getattr(by, "id", None),
    )
    db.session.add(event)
    if severity == Severity.HIGH and supplier.status in APPROVED_STATUSES:
        due = today()
        if supplier.next_reevaluation_due is None or supplier.next_reevaluation_due > due:
            supplier.next_reevaluation_due = due
            audit.record("supplier.reevaluation_triggered", supplier, reason="High-severity performance event",
                         event_type=type, reference=reference.strip())
    db.session.flush()
    return event


# --- Purchase records -----------------------------------------------------------------------------


@dataclass
class PurchaseInput:
    product: str
    product_version: str = ""
    reference: str = ""
    specification: str = ""
    acceptance_criteria: str = ""
    qms_requirements: str = ""
    change_notification_agreed: bool = False
    licence: str = ""


def _require_approved_supplier(supplier: Supplier) -> None:
    if supplier.status not in APPROVED_STATUSES:
        raise ValidationFailed(
            f"Purchases are only placed with approved or conditionally approved suppliers; "
            f"{supplier.name} is {supplier.status.replace('_', ' ')}."
        )


def _apply_purchase(purchase: PurchaseRecord, data: PurchaseInput) -> None:
    if not data.product.strip():
        raise ValidationFailed("Name the product being purchased.")
    purchase.product = data.product.strip()
    purchase.product_version = data.product_version.strip()
    purchase.reference = data.reference.strip()
    purchase.specification = data.specification.strip()
    purchase.acceptance_criteria = data.acceptance_criteria.strip()
    purchase.qms_requirements = data.qms_requirements.strip()
    purchase.change_notification_agreed = data.change_notification_agreed
    purchase.licence = data.licence.strip()


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
    received_version: str
    version_checked: bool
    checksum: str
    checksum_checked: bool
    licence_checked: bool
    installation_checked: bool
    validation_reference: str
    result: str
    notes: str = ""


def verify_receipt(purchase: PurchaseRecord, data: ReceiptInput, *, by: User) -> None:
    """Record what was checked on receipt, the result, who and when; accepting needs every check or a validation link."""
    if not policies.can_verify_receipt(by):
        raise PermissionDenied("You may not verify receipts.")
    if data.result not in set(ReceiptResult):
        raise ValidationFailed("Choose the result of the verification.")
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


# --- Lists and queries ----------------------------------------------------------------------------

SORTS: dict[str, Any] = {
    "name": Supplier.name,
    "code": Supplier.code,
    "criticality": Supplier.criticality,
    "status": Supplier.status,
    "next_due": Supplier.next_reevaluation_due,
}


# The columns the register list shows (the list loads only these: it is the hot path).
LIST_COLUMNS = (
    Supplier.code, Supplier.name, Supplier.kind, Supplier.criticality, Supplier.status, Supplier.next_reevaluation_due,
)


@dataclass(frozen=True)
class SupplierFilters:
    q: str = ""
    status: str = ""
    kind: str = ""
    criticality: str = ""
    due: str = ""  # '' | overdue | due_soon (within the window, overdue included)
    sort: str = "name"
    direction: str = "asc"

    @classmethod
    def from_args(cls, args: Any) -> SupplierFilters:
        """Filters from a query string; unknown values fall back to no filter."""
        def pick(name: str, allowed: set[str], default: str = "") -> str:
            value = str(args.get(name, "") or "")
            return value if value in allowed else default
        return cls(
            q=str(args.get("q", "") or "").strip()[:100],
            status=pick("status", set(SupplierStatus)),
            kind=pick("kind", set(SupplierKind)),
            criticality=pick("criticality", set(Criticality)),
            due=pick("due", {"overdue", "due_soon"}),
            sort=pick("sort", set(SORTS), "name"),
            direction=pick("direction", {"asc", "desc"}, "asc"),
        )


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def supplier_query(filters: SupplierFilters, *, on: date | None = None) -> Select[Any]:
    """The register filtered and sorted (ties broken by id so pages are stable)."""
    query = select(Supplier)
    if filters.q:
        pattern = _like(filters.q)
        query = query.where(or_(
            func.lower(Supplier.code).like(pattern, escape="\\"),
            func.lower(Supplier.name).like(pattern, escape="\\"),
            func.lower(Supplier.scope).like(pattern, escape="\\"),
        ))
    if filters.status:
        query = query.where(Supplier.status == filters.status)
    if filters.kind:
        query = query.where(Supplier.kind == filters.kind)
    if filters.criticality:
        query = query.where(Supplier.criticality == filters.criticality)
    day = on or today()
    if filters.due == "overdue":
        query = query.where(Supplier.next_reevaluation_due < day)
    elif filters.due == "due_soon":
        window = int(_setting("SUPPLIER_REEVALUATION_WARN_DAYS", 30))
        query = query.where(Supplier.next_reevaluation_due <= day + timedelta(days=window))
    column = SORTS[filters.sort]
    if filters.sort == "criticality":
        column = case({"critical": 0, "major": 1, "minor": 2}, value=Supplier.criticality, else_=3)
    ordered = column.desc() if filters.direction == "desc" else column.asc()
    if filters.sort == "next_due":
        ordered = ordered.nulls_last()
    return query.order_by(ordered, Supplier.id)


EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "ID"), ("code", "Code"), ("name", "Name"), ("kind", "Kind"), ("status", "Status"),
    ("criticality", "Criticality"), ("criticality_is_manual", "Criticality set by hand"),
    ("criticality_rationale", "Criticality rationale"), ("supplies_soup_class_c", "SOUP for class C"),
    ("supplies_soup_class_b", "SOUP for class B"), ("supplies_high_risk_otss", "High process risk OTSS"),
    ("otss_holds_part11_records", "OTSS holds Part 11 records"), ("hosts_device", "Hosts the device"),
    ("website", "Website"), ("repository_url", "Repository URL"), ("scope", "Scope"),
    ("approval_scope", "Approval scope"), ("conditions", "Conditions"), ("approved_at", "Approved at (UTC)"),
    ("approved_by", "Approved by"), ("next_reevaluation_due", "Next re-evaluation due"),
    ("contacts", "Contacts"), ("notes", "Notes"), ("created_at", "Created at (UTC)"),
    ("updated_at", "Updated at (UTC)"), ("version", "Record version"),
)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def export_rows(filters: SupplierFilters) -> tuple[list[str], list[list[Any]]]:
    """Every column of every supplier matching the filters (contacts and approver flattened)."""
    query = supplier_query(filters).options(selectinload(Supplier.contacts), selectinload(Supplier.approved_by))
    rows = []
    for supplier in db.session.scalars(query):
        values = []
        for key, _label in EXPORT_COLUMNS:
            if key == "approved_by":
                value = supplier.approved_by.full_name if supplier.approved_by else ""
            elif key == "contacts":
                value = "; ".join(
                    f"{c.name} <{c.email}>" + (f" ({c.role})" if c.role else "") for c in supplier.contacts
                )
            else:
                value = getattr(supplier, key)
            values.append(_cell(value))
        rows.append(values)
    return [label for _key, label in EXPORT_COLUMNS], rows


# --- Approved supplier list -----------------------------------------------------------------------


# Score percentage and decision time of each supplier's last decided evaluation, by supplier id.
LastEvaluations = Callable[[list[int]], Mapping[int, tuple[float | None, datetime | None]]]
_LAST_EVALUATIONS = "suppliers.last_evaluations"


def provide_last_evaluations(app: Flask, lookup: LastEvaluations) -> None:
    """Evaluations belong to the questionnaires domain, above the register: it plugs its query in here."""
    app.extensions[_LAST_EVALUATIONS] = lookup


def last_evaluations(supplier_ids: list[int]) -> dict[int, tuple[float | None, datetime | None]]:
    """Score and date of each supplier's last decided evaluation (none while no domain provides them)."""
    lookup: LastEvaluations | None = current_app.extensions.get(_LAST_EVALUATIONS) if has_app_context() else None
    return dict(lookup(supplier_ids)) if lookup is not None else {}


@dataclass(frozen=True)
class ApprovedFilters:
    q: str = ""
    kind: str = ""
    criticality: str = ""
    status: str = ""  # approved | conditionally_approved | ''

    @classmethod
    def from_args(cls, args: Any) -> ApprovedFilters:
        """Filters from a query string; unknown values fall back to no filter."""
        def pick(name: str, allowed: set[str]) -> str:
            value = str(args.get(name, "") or "")
            return value if value in allowed else ""
        return cls(
            q=str(args.get("q", "") or "").strip()[:100], kind=pick("kind", set(SupplierKind)),
            criticality=pick("criticality", set(Criticality)), status=pick("status", set(APPROVED_STATUSES)),
        )


def approved_query(filters: ApprovedFilters) -> Select[Any]:
    """Approved and conditionally approved suppliers, with approver and certificates loaded in bulk."""
    base = SupplierFilters(q=filters.q, kind=filters.kind, criticality=filters.criticality, status=filters.status)
    query = supplier_query(base)
    if not filters.status:
        query = query.where(Supplier.status.in_([s.value for s in APPROVED_STATUSES]))
    return query.options(selectinload(Supplier.active_certificates), selectinload(Supplier.approved_by))


ASL_COLUMNS: tuple[str, ...] = (
    "Code", "Supplier", "Kind", "Criticality", "Status", "Approval scope", "Conditions", "Last score",
    "Last evaluation decided (UTC)", "Certificates (valid until)", "Next re-evaluation due", "Approved at (UTC)",
    "Approved by",
)


def certificates_text(certificates: list[Certificate]) -> str:
    """'ISO 13485 QS-1 (2027-01-31); ...' for a list of certificates."""
    return "; ".join(
        f"{c.standard}{' ' + c.number if c.number else ''} ({c.valid_until.isoformat()})" for c in certificates
    )


def approved_rows(suppliers: Sequence[Supplier]) -> list[dict[str, Any]]:
    """One plain row per approved supplier, with the last evaluation's score and date."""
    evaluations = last_evaluations([s.id for s in suppliers])
    rows = []
    for supplier in suppliers:
        score, decided_at = evaluations.get(supplier.id, (None, None))
        rows.append({
            "supplier": supplier, "score": score, "decided_at": decided_at,
            "cells": [
                supplier.code, supplier.name, supplier.kind, supplier.criticality, supplier.status,
                supplier.approval_scope, supplier.conditions,
                "" if score is None else round(float(score), 1), _cell(decided_at),
                certificates_text(supplier.active_certificates), _cell(supplier.next_reevaluation_due),
                _cell(supplier.approved_at), supplier.approved_by.full_name if supplier.approved_by else "",
            ],
        })
    return rows


# --- Purchases list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseFilters:
    q: str = ""
    status: str = ""
    result: str = ""
    supplier_id: int | None = None

    @classmethod
    def from_args(cls, args: Any) -> PurchaseFilters:
        """Filters from a query string; unknown values fall back to no filter."""
        status = str(args.get("status", "") or "")
        result = str(args.get("result", "") or "")
        supplier_id = args.get("supplier_id", type=int) if hasattr(args, "getlist") else None
        return cls(
            q=str(args.get("q", "") or "").strip()[:100],
            status=status if status in set(PurchaseStatus) else "",
            result=result if result in set(ReceiptResult) else "",
            supplier_id=supplier_id,
        )


def purchase_query(filters: PurchaseFilters) -> Select[Any]:
    """Purchase records, newest first, with their supplier loaded in the same query."""
    query = select(PurchaseRecord).join(PurchaseRecord.supplier).options(
        joinedload(PurchaseRecord.supplier), joinedload(PurchaseRecord.verified_by)
    )
    if filters.q:
        pattern = _like(filters.q)
        query = query.where(or_(
            func.lower(PurchaseRecord.product).like(pattern, escape="\\"),
            func.lower(PurchaseRecord.reference).like(pattern, escape="\\"),
            func.lower(Supplier.name).like(pattern, escape="\\"),
            func.lower(Supplier.code).like(pattern, escape="\\"),
        ))
    if filters.status:
        query = query.where(PurchaseRecord.status == filters.status)
    if filters.result:
        query = query.where(PurchaseRecord.receipt_result == filters.result)
    if filters.supplier_id:
        query = query.where(PurchaseRecord.supplier_id == filters.supplier_id)
    return query.order_by(PurchaseRecord.id.desc())


# --- Due lists (dashboard and reminders) ----------------------------------------------------------


def reevaluations_due(*, on: date | None = None, limit: int | None = None) -> list[Supplier]:
    """Approved/conditional suppliers whose re-evaluation is overdue or due within the window, soonest first."""
    day = on or today()
    window = int(_setting("SUPPLIER_REEVALUATION_WARN_DAYS", 30))
    query = (
        select(Supplier)
        .where(Supplier.status.in_([s.value for s in APPROVED_STATUSES]))
        .where(Supplier.next_reevaluation_due.is_not(None))
        .where(Supplier.next_reevaluation_due <= day + timedelta(days=window))
        .order_by(Supplier.next_reevaluation_due, Supplier.id)
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def certificates_expiring(*, on: date | None = None, limit: int | None = None) -> list[Certificate]:
    """Certificates in force of current suppliers that expired or expire within the warning window, soonest first."""
    day = on or today()
    window = int(_setting("CERTIFICATE_EXPIRY_WARN_DAYS", 60))
    inactive = [SupplierStatus.INACTIVE.value, SupplierStatus.DISQUALIFIED.value, SupplierStatus.REJECTED.value]
    query = (
        select(Certificate)
        .join(Certificate.supplier)
        .where(Certificate.valid_until <= day + timedelta(days=window), Supplier.status.not_in(inactive))
        .where(Certificate.voided_at.is_(None))
        .options(selectinload(Certificate.supplier))
        .order_by(Certificate.valid_until, Certificate.id)
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))
