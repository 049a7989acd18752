"""The supplier register, approved supplier list and purchase records: thin views over services."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import Field

from app import unit_of_work
from app.access import Permission, permission_required
from app.audit import services as audit
from app.db import stated_id
from app.errors import Conflict, DomainError
from app.extensions import db
from app.formatting import humanise
from app.pagination import paginate, sub_page
from app.signatures.forms import signature_form
from app.signatures.models import Meaning
from app.storage import send_stored
from app.suppliers import exports, policies, rules, services
from app.suppliers.forms import (
    STATUS_ACTION_LABELS,
    CertificateEditForm,
    CertificateForm,
    CertificateVoidForm,
    ContactForm,
    NewSupplierForm,
    PerformanceEventForm,
    PurchaseForm,
    ReceiptForm,
    StatusChangeForm,
    SupplierForm,
)
from app.suppliers.models import (
    SUPPLIER_PARTS,
    Certificate,
    Criticality,
    PurchaseRecord,
    PurchaseStatus,
    ReceiptResult,
    Supplier,
    SupplierContact,
    SupplierKind,
    SupplierStatus,
)
from app.suppliers.workflow import APPROVED_STATUSES

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")

T = TypeVar("T")


def _supplier_or_404(supplier_id: int) -> Supplier:
    return db.get_or_404(Supplier, supplier_id)


def _purchase_or_404(purchase_id: int) -> PurchaseRecord:
    return db.get_or_404(PurchaseRecord, purchase_id)


def _detail_url(supplier_id: int, anchor: str | None = None) -> str:
    return url_for("suppliers.detail", supplier_id=supplier_id, _anchor=anchor)


def _purchase_url(purchase_id: int) -> str:
    return url_for("suppliers.purchases_detail", purchase_id=purchase_id)


LABELS = {
    "status_labels": {s.value: humanise(s.value) for s in SupplierStatus},
    "kind_labels": {k.value: humanise(k.value) for k in SupplierKind},
    "criticality_labels": {c.value: humanise(c.value) for c in Criticality},
}


def _choices() -> dict[str, Any]:
    return {"statuses": list(SupplierStatus), "kinds": list(SupplierKind), "criticalities": list(Criticality)}


# --- How a view hands its form to the unit of work -----------------------------------------------


def _save_form(
    form: FlaskForm, action: Callable[[], T], saved: Callable[[T], tuple[str, str]], template: str, **context: Any
) -> Any:
    """A create or edit page: a valid form is saved once and redirects; a refusal is flashed and the page shown again."""
    outcome = unit_of_work.run(action) if form.validate_on_submit() else None
    if outcome is not None and outcome.ok:
        message, target = saved(cast(T, outcome.value))
        flash(message, "success")
        return redirect(target)
    return render_template(template, form=form, **context), unit_of_work.form_status(form, outcome)


def _submit(
    form: FlaskForm, action: Callable[[], object], field: Field | None, *, page: Callable[[int], Any],
    done: str | Callable[[], str], to: str, pages: tuple[type[DomainError], ...] = unit_of_work.PAGE_ERRORS,
    in_place: Callable[[], Any] | None = None,
) -> Any:
    """A form posted from a record's page: a refusal shows the page again with the form kept, success goes to `to`;
    a change in place (htmx) gets `in_place()`, the changed block, instead of the redirect."""
    if not form.validate_on_submit():
        return page(422)
    outcome = unit_of_work.run(action, field, pages=pages)
    if not outcome.ok:
        return page(outcome.status)
    flash(done if isinstance(done, str) else done(), "success")
    if in_place is not None and _in_place_block() is not None:
        return in_place()
    return redirect(to)


def _export(name: str, fmt: str, filters: Any, table: Callable[[], tuple[Sequence[str], Sequence[Sequence[Any]]]]) -> Any:
    """The filtered table as a CSV or XLSX file (any other format is 404); the export's audit record is committed."""
    if fmt not in exports.FORMATS:
        abort(404)
    headers, rows = table()
    # The rows are read first; the download and its audit record are then one write of their own (on SQLite, turning
    # this GET's read into a write failed at once, 503, whenever another writer had committed meanwhile).
    return unit_of_work.run(lambda: exports.download(name, fmt, headers, rows, **asdict(filters)),
                            pages=(DomainError,)).value


# --- Register list and exports --------------------------------------------------------------------


def _sort_urls(filters: services.SupplierFilters) -> dict[str, str]:
    """Column header links: same filters, the column as sort key, direction flipped on the active column."""
    base = {key: value for key, value in request.args.items() if key not in ("sort", "direction", "page")}
    urls = {}
    for key in services.SORTS:
        direction = "desc" if filters.sort == key and filters.direction == "asc" else "asc"
        urls[key] = request.path + "?" + urlencode({**base, "sort": key, "direction": direction})
    return urls


@bp.route("/", endpoint="list")
@permission_required(Permission.SUPPLIERS_READ)
def list_suppliers() -> Any:
    filters = services.SupplierFilters.from_args(request.args)
    # Plain rows, not ORM objects: the register list is the hot path and shows only a few columns.
    page = paginate(services.supplier_query(filters).with_only_columns(Supplier.id, *services.LIST_COLUMNS), rows=True)
    today = services.today()
    return render_template(
        "suppliers/list.html", page=page, filters=filters, today=today, warn_days=_warn_days(),
        soon=today + timedelta(days=_warn_days()), sort_urls=_sort_urls(filters), **_choices(), **LABELS,
    )


def _warn_days() -> int:
    return int(current_app.config["SUPPLIER_REEVALUATION_WARN_DAYS"])


@bp.route("/export.<fmt>")
@permission_required(Permission.SUPPLIERS_READ)
def export(fmt: str) -> Any:
    filters = services.SupplierFilters.from_args(request.args)
    return _export("suppliers", fmt, filters, lambda: services.export_rows(filters))


# --- Create, edit, detail -------------------------------------------------------------------------


def _input_from(form: SupplierForm) -> services.SupplierInput:
    return services.SupplierInput(
        code=form.code.data or "", name=form.name.data or "", kind=form.kind.data or "",
        website=form.website.data or "", repository_url=form.repository_url.data or "", scope=form.scope.data or "",
        notes=form.notes.data or "", supplies_soup_class_c=bool(form.supplies_soup_class_c.data),
        supplies_soup_class_b=bool(form.supplies_soup_class_b.data),
        supplies_high_risk_otss=bool(form.supplies_high_risk_otss.data),
        otss_holds_part11_records=bool(form.otss_holds_part11_records.data), hosts_device=bool(form.hosts_device.data),
        manual_criticality=form.manual_criticality.data or "", criticality_rationale=form.criticality_rationale.data or "",
    )


def _new_supplier_input(form: NewSupplierForm) -> services.SupplierInput:
    data = _input_from(form)
    data.contacts = [(form.contact_name.data or "", form.contact_email.data or "", form.contact_role.data or "")]
    return data


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def create() -> Any:
    form = NewSupplierForm()
    return _save_form(
        form, lambda: services.create_supplier(_new_supplier_input(form), by=current_user),
        lambda supplier: (f"Supplier {supplier.code} {supplier.name} created as a candidate."
                          + _similar_note(supplier), _detail_url(supplier.id)),
        "suppliers/form.html", supplier=None,
    )


def _similar_note(supplier: Supplier) -> str:
    similar = services.near_duplicates(supplier.name, exclude_id=supplier.id)
    if not similar:
        return ""
    return " Possible duplicate of " + ", ".join(f"{other.code} {other.name}" for other in similar) + ": check before going on."


@bp.route("/<int:supplier_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def edit(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = SupplierForm(obj=supplier if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(supplier.version)
        form.manual_criticality.data = supplier.criticality if supplier.criticality_is_manual else ""
        form.criticality_rationale.data = supplier.criticality_rationale if supplier.criticality_is_manual else ""
    return _save_form(
        form,
        lambda: services.update_supplier(
            supplier, _input_from(form), expected_version=stated_id(form.version.data) or 0, by=current_user
        ),
        lambda _: ("Supplier saved.", _detail_url(supplier_id)),
        "suppliers/form.html", supplier=supplier,
    )


def _status_form(supplier: Supplier) -> StatusChangeForm:
    form = StatusChangeForm()
    allowed = services.available_actions(supplier)
    form.action.choices = [(name, STATUS_ACTION_LABELS[name]) for name in allowed]
    return form


# The blocks of the supplier page that change in place: htmx names the one it swaps (HX-Target), and gets only it.
IN_PLACE_BLOCKS = {"contacts-body": "contacts", "certificates-body": "certificates", "performance-body": "performance"}


def _in_place_block() -> str | None:
    """The block of the supplier page an htmx request changes in place, if any."""
    if request.headers.get("HX-Request") != "true":
        return None
    return IN_PLACE_BLOCKS.get(request.headers.get("HX-Target", ""))


def _render_detail(supplier: Supplier, status: int = 200, keep_open: bool = False, **forms: Any) -> Any:
    loaded = db.session.scalars(
        select(Supplier).where(Supplier.id == supplier.id).options(selectinload(Supplier.approved_by))
    ).one()
    # Each sub-record list is paginated on its own (contacts_page=2#contacts), the others' pages kept.
    lists = {
        "contacts": sub_page(services.contacts_of(loaded), "contacts"),
        "certificates": sub_page(services.certificates_of(loaded), "certificates"),
        "performance": sub_page(services.performance_events_of(loaded), "performance"),
        "purchases": sub_page(services.purchases_of(loaded), "purchases"),
    }
    context = {
        "contact_form": forms.get("contact_form") or ContactForm(formdata=None),
        "certificate_form": forms.get("certificate_form") or CertificateForm(formdata=None),
        "event_form": forms.get("event_form") or PerformanceEventForm(formdata=None),
        "status_form": forms.get("status_form") or _status_form(supplier),
    }
    block = _in_place_block()
    if block and keep_open:  # the form of the block stays open for the next entry, its first field focused
        form = context[{"contacts": "contact_form", "certificates": "certificate_form"}.get(block, "event_form")]
        first = next(f for f in form if f.type not in ("HiddenField", "CSRFTokenField"))
        first.render_kw = {**(first.render_kw or {}), "autofocus": True}
    return render_template(
        f"suppliers/_{block}.html" if block else "suppliers/detail.html", fragment=block is not None,
        keep_open=keep_open, supplier=loaded, sign_target=services.sign_target(loaded),
        decision=services.decision_record(loaded),
        today=services.today(), cert_warn_days=int(current_app.config["CERTIFICATE_EXPIRY_WARN_DAYS"]),
        warn_days=_warn_days(), certificate_state=rules.certificate_state, due_state=rules.due_state,
        can_edit=policies.can_edit_suppliers(current_user), can_decide=policies.can_decide(current_user),
        can_purchase=current_user.has(Permission.PURCHASES_EDIT) and supplier.status in APPROVED_STATUSES,
        lists=lists, list_args={**request.args.to_dict(), "supplier_id": supplier.id},
        similar_suppliers=services.near_duplicates(loaded.name, exclude_id=loaded.id),
        history_parts=audit.parts_of(*((part, part.supplier_id == loaded.id) for part in SUPPLIER_PARTS))
        if block is None else {},
        **context,
    ), status


@bp.route("/<int:supplier_id>")
@permission_required(Permission.SUPPLIERS_READ)
def detail(supplier_id: int) -> Any:
    return _render_detail(_supplier_or_404(supplier_id))


@bp.route("/<int:supplier_id>/contacts", methods=["POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def contacts_add(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = ContactForm()
    return _submit(
        form,
        lambda: services.add_contact(
            supplier, name=form.name.data or "", email=form.email.data or "", role=form.role.data or "", by=current_user
        ),
        form.name, page=lambda status: _render_detail(supplier, status, contact_form=form),
        done=f"Contact {form.name.data} added.", to=_detail_url(supplier_id, "contacts"),
        in_place=lambda: _render_detail(supplier, keep_open=True),
    )


@bp.route("/<int:supplier_id>/contacts/<int:contact_id>/remove", methods=["POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def contacts_remove(supplier_id: int, contact_id: int) -> Any:
    contact = db.get_or_404(SupplierContact, contact_id)
    if contact.supplier_id != supplier_id:
        abort(404)
    name = contact.name
    if unit_of_work.run(lambda: services.remove_contact(contact, by=current_user)).ok:
        flash(f"Contact {name} removed.", "success")
    if _in_place_block() is not None:
        return _render_detail(_supplier_or_404(supplier_id))
    return redirect(_detail_url(supplier_id, "contacts"))


@bp.route("/<int:supplier_id>/certificates", methods=["POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def certificates_add(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = CertificateForm()
    return _submit(
        form,
        lambda: services.add_certificate(
            supplier, standard=form.standard.data or "", number=form.number.data or "", issuer=form.issuer.data or "",
            valid_until=form.valid_until.data, evidence=form.evidence.data, by=current_user,
        ),
        form.evidence, page=lambda status: _render_detail(supplier, status, certificate_form=form),
        done="Certificate added.", to=_detail_url(supplier_id, "certificates"),
        in_place=lambda: _render_detail(supplier, keep_open=True),
    )


@bp.route("/<int:supplier_id>/certificates/<int:certificate_id>/evidence")
@permission_required(Permission.SUPPLIERS_READ)
def certificate_evidence(supplier_id: int, certificate_id: int) -> Any:
    certificate = db.get_or_404(Certificate, certificate_id)
    if certificate.supplier_id != supplier_id or certificate.evidence_file is None:
        abort(404)
    name = f"{certificate.supplier.code}-{certificate.standard}-{certificate.number}.{certificate.evidence_file.extension}"
    return send_stored(certificate.evidence_file, download_name=name)


# A voided certificate is frozen: changing it is the 409 page, like a stale edit.
CERTIFICATE_PAGES: tuple[type[DomainError], ...] = (*unit_of_work.PAGE_ERRORS, Conflict)


def _certificate_or_404(supplier_id: int, certificate_id: int) -> Certificate:
    certificate = db.get_or_404(Certificate, certificate_id)
    if certificate.supplier_id != supplier_id:
        abort(404)
    return certificate


def _render_certificate(certificate: Certificate, status: int = 200, **forms: Any) -> Any:
    edit_form = forms.get("edit_form") or CertificateEditForm(formdata=None, obj=certificate)
    void_form = forms.get("void_form") or CertificateVoidForm(formdata=None)
    if "edit_form" not in forms:
        edit_form.version.data = str(certificate.version)
    if "void_form" not in forms:
        void_form.version.data = str(certificate.version)
    return render_template(
        "suppliers/certificate_edit.html", certificate=certificate, supplier=certificate.supplier,
        edit_form=edit_form, void_form=void_form,
    ), status


@bp.route("/<int:supplier_id>/certificates/<int:certificate_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def certificate_edit(supplier_id: int, certificate_id: int) -> Any:
    certificate = _certificate_or_404(supplier_id, certificate_id)
    if request.method == "GET":
        return _render_certificate(certificate)
    form = CertificateEditForm()
    return _submit(
        form,
        lambda: services.edit_certificate(
            certificate, expected_version=stated_id(form.version.data) or 0, number=form.number.data or "",
            issuer=form.issuer.data or "", valid_until=form.valid_until.data, evidence=form.evidence.data,
            by=current_user,
        ),
        form.evidence, page=lambda status: _render_certificate(certificate, status, edit_form=form),
        done="Certificate saved.", to=_detail_url(supplier_id, "certificates"),
        pages=CERTIFICATE_PAGES,
    )


@bp.route("/<int:supplier_id>/certificates/<int:certificate_id>/void", methods=["POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def certificate_void(supplier_id: int, certificate_id: int) -> Any:
    certificate = _certificate_or_404(supplier_id, certificate_id)
    form = CertificateVoidForm()
    return _submit(
        form,
        lambda: services.void_certificate(
            certificate, expected_version=stated_id(form.version.data) or 0, reason=form.reason.data or "", by=current_user,
        ),
        form.reason, page=lambda status: _render_certificate(certificate, status, void_form=form),
        done="Certificate voided; it stays on record with the reason.", to=_detail_url(supplier_id, "certificates"),
        pages=CERTIFICATE_PAGES,
    )


@bp.route("/<int:supplier_id>/events", methods=["POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def events_add(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = PerformanceEventForm()
    return _submit(
        form,
        lambda: services.record_performance_event(
            supplier, occurred_on=form.occurred_on.data, type=form.type.data or "", severity=form.severity.data or "",
            reference=form.reference.data or "", description=form.description.data or "", by=current_user,
        ),
        form.occurred_on, page=lambda status: _render_detail(supplier, status, event_form=form),
        done="Performance event recorded.", to=_detail_url(supplier_id, "performance"),
        in_place=lambda: _render_detail(supplier, keep_open=True),
    )


@bp.route("/<int:supplier_id>/status", methods=["POST"])
@permission_required(Permission.SUPPLIERS_DECIDE)
def status_change(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = _status_form(supplier)
    return _submit(
        form,
        lambda: services.change_status(
            supplier, form.action.data or "", reason=form.reason.data or "", signer=current_user,
            password=form.password.data or "",
        ),
        form.password, page=lambda status: _render_detail(supplier, status, status_form=form),
        done=lambda: f"{supplier.name} is now {supplier.status.replace('_', ' ')}; your signature was recorded.",
        to=_detail_url(supplier_id),
    )


# --- Approved supplier list -----------------------------------------------------------------------


@bp.route("/approved")
@permission_required(Permission.SUPPLIERS_READ)
def approved_list() -> Any:
    filters = services.ApprovedFilters.from_args(request.args)
    page = paginate(services.approved_query(filters))
    return render_template(
        "suppliers/approved_list.html", page=page, rows=services.approved_rows(page.items), filters=filters,
        today=services.today(), cert_warn_days=int(current_app.config["CERTIFICATE_EXPIRY_WARN_DAYS"]),
        certificate_state=rules.certificate_state, not_renewed=rules.not_renewed,
        approved_statuses=sorted(APPROVED_STATUSES), **_choices(),
    )


def _approved_table(filters: services.ApprovedFilters) -> tuple[Sequence[str], list[Any]]:
    suppliers = db.session.scalars(services.approved_query(filters)).all()
    return services.ASL_COLUMNS, [row["cells"] for row in services.approved_rows(suppliers)]


@bp.route("/approved/export.<fmt>")
@permission_required(Permission.SUPPLIERS_READ)
def approved_export(fmt: str) -> Any:
    filters = services.ApprovedFilters.from_args(request.args)
    return _export("approved_suppliers", fmt, filters, lambda: _approved_table(filters))


# --- Purchase records -----------------------------------------------------------------------------


@bp.route("/purchases")
@permission_required(Permission.SUPPLIERS_READ)
def purchases_list() -> Any:
    filters = services.PurchaseFilters.from_args(request.args)
    page = paginate(services.purchase_query(filters))
    return render_template(
        "suppliers/purchases_list.html", page=page, filters=filters, statuses=list(PurchaseStatus),
        results=list(ReceiptResult),
    )


def _purchase_input(form: PurchaseForm) -> services.PurchaseInput:
    return services.PurchaseInput(
        product=form.product.data or "", product_version=form.product_version.data or "",
        reference=form.reference.data or "", specification=form.specification.data or "",
        acceptance_criteria=form.acceptance_criteria.data or "", qms_requirements=form.qms_requirements.data or "",
        change_notification_agreed=bool(form.change_notification_agreed.data), licence=form.licence.data or "",
        quantity=form.quantity.data or "", process_requirements=form.process_requirements.data or "",
        personnel_requirements=form.personnel_requirements.data or "",
    )


@bp.route("/<int:supplier_id>/purchases/new", methods=["GET", "POST"])
@permission_required(Permission.PURCHASES_EDIT)
def purchases_create(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = PurchaseForm()
    if request.method == "GET" and supplier.status not in APPROVED_STATUSES:
        flash(f"{supplier.name} is not approved: purchases can only be placed with approved suppliers.", "warning")
    return _save_form(
        form, lambda: services.create_purchase(supplier, _purchase_input(form), by=current_user),
        lambda purchase: (
            "Purchase record created as a draft. QA reviews its adequacy before it is sent.", _purchase_url(purchase.id)
        ),
        "suppliers/purchase_form.html", supplier=supplier, purchase=None,
    )


@bp.route("/purchases/<int:purchase_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.PURCHASES_EDIT)
def purchases_edit(purchase_id: int) -> Any:
    purchase = _purchase_or_404(purchase_id)
    form = PurchaseForm(obj=purchase if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(purchase.version)
    return _save_form(
        form,
        lambda: services.update_purchase(
            purchase, _purchase_input(form), expected_version=stated_id(form.version.data) or 0, by=current_user
        ),
        lambda _: ("Purchase record saved.", _purchase_url(purchase_id)),
        "suppliers/purchase_form.html", supplier=purchase.supplier, purchase=purchase,
    )


def _render_purchase(purchase: PurchaseRecord, status: int = 200, **forms: Any) -> Any:
    review_form = forms.get("review_form") or signature_form(Meaning.APPROVED, formdata=None)
    return render_template(
        "suppliers/purchase_detail.html", purchase=purchase, sign_target=services.purchase_sign_target(purchase),
        receipt_target=services.receipt_sign_target(purchase) if purchase.verified_at else None,
        review_form=review_form, receipt_form=forms.get("receipt_form") or ReceiptForm(formdata=None),
        can_edit=policies.can_edit_purchase(current_user, purchase),
        can_approve=policies.can_approve_purchase(current_user, purchase),
        can_verify=policies.can_verify_receipt(current_user),
    ), status


@bp.route("/purchases/<int:purchase_id>")
@permission_required(Permission.SUPPLIERS_READ)
def purchases_detail(purchase_id: int) -> Any:
    return _render_purchase(_purchase_or_404(purchase_id))


@bp.route("/purchases/<int:purchase_id>/approve", methods=["POST"])
@permission_required(Permission.PURCHASES_APPROVE)
def purchases_approve(purchase_id: int) -> Any:
    purchase = _purchase_or_404(purchase_id)
    form = signature_form(Meaning.APPROVED)
    return _submit(
        form,
        lambda: services.approve_purchase(
            purchase, signer=current_user, password=form.password.data or "", comment=form.comment.data or ""
        ),
        form.password, page=lambda status: _render_purchase(purchase, status, review_form=form),
        done="Adequacy review signed: the purchase record may be sent.", to=_purchase_url(purchase_id),
    )


@bp.route("/purchases/<int:purchase_id>/send", methods=["POST"])
@permission_required(Permission.PURCHASES_EDIT)
def purchases_send(purchase_id: int) -> Any:
    purchase = _purchase_or_404(purchase_id)
    if unit_of_work.run(lambda: services.mark_purchase_sent(purchase, by=current_user)).ok:
        flash("Purchase record marked as sent.", "success")
    return redirect(_purchase_url(purchase_id))


def _receipt_input(form: ReceiptForm) -> services.ReceiptInput:
    return services.ReceiptInput(
        received_version=form.received_version.data or "", version_checked=bool(form.version_checked.data),
        checksum=form.checksum.data or "", checksum_checked=bool(form.checksum_checked.data),
        licence_checked=bool(form.licence_checked.data), installation_checked=bool(form.installation_checked.data),
        validation_reference=form.validation_reference.data or "", result=form.result.data or "",
        notes=form.notes.data or "",
    )


@bp.route("/purchases/<int:purchase_id>/verify", methods=["POST"])
@permission_required(Permission.PURCHASES_EDIT, Permission.PURCHASES_APPROVE)
def purchases_verify(purchase_id: int) -> Any:
    purchase = _purchase_or_404(purchase_id)
    form = ReceiptForm()
    return _submit(
        form, lambda: services.verify_receipt(purchase, _receipt_input(form), by=current_user,
                                              password=form.password.data or ""),
        form.password, page=lambda status: _render_purchase(purchase, status, receipt_form=form),
        done=lambda: f"Receipt verified: {form.result.data or ''}.", to=_purchase_url(purchase_id),
    )
