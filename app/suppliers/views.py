"""The supplier register, approved supplier list and purchase records: thin views over services."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import permission_required
from app.auth.permissions import Permission
from app.errors import Conflict, DomainError, StaleEdit
from app.extensions import db
from app.formatting import humanise
from app.pagination import MAX_PER_PAGE, paginate
from app.signatures.forms import signature_form
from app.signatures.models import Meaning
from app.signatures.services import SignatureRefused
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


def _supplier_or_404(supplier_id: int) -> Supplier:
    return db.get_or_404(Supplier, supplier_id)


def _purchase_or_404(purchase_id: int) -> PurchaseRecord:
    return db.get_or_404(PurchaseRecord, purchase_id)


LABELS = {
    "status_labels": {s.value: humanise(s.value) for s in SupplierStatus},
    "kind_labels": {k.value: humanise(k.value) for k in SupplierKind},
    "criticality_labels": {c.value: humanise(c.value) for c in Criticality},
}


def _choices() -> dict[str, Any]:
    return {"statuses": list(SupplierStatus), "kinds": list(SupplierKind), "criticalities": list(Criticality)}


# --- Register list and exports --------------------------------------------------------------------


class RowPagination(SelectPagination):
    """A page of plain rows (not ORM objects): the register list is the hot path and shows only a few columns."""

    def _query_items(self) -> list[Any]:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(query).all())


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
    query = services.supplier_query(filters).with_only_columns(Supplier.id, *services.LIST_COLUMNS)
    page = RowPagination(
        select=query, session=db.session(), page=request.args.get("page", 1, type=int),
        per_page=request.args.get("per_page", current_app.config["PAGE_SIZE"], type=int),
        max_per_page=MAX_PER_PAGE, error_out=False,
    )
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
    if fmt not in exports.FORMATS:
        abort(404)
    filters = services.SupplierFilters.from_args(request.args)
    headers, rows = services.export_rows(filters)
    response = exports.download("suppliers", fmt, headers, rows, **asdict(filters))
    db.session.commit()
    return response


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


@bp.route("/new", methods=["GET", "POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def create() -> Any:
    form = NewSupplierForm()
    if form.validate_on_submit():
        data = _input_from(form)
        data.contacts = [(form.contact_name.data or "", form.contact_email.data or "", form.contact_role.data or "")]
        try:
            supplier = services.create_supplier(data, by=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("suppliers/form.html", form=form, supplier=None), 422
        db.session.commit()
        flash(f"Supplier {supplier.code} {supplier.name} created as a candidate.", "success")
        return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
    return render_template("suppliers/form.html", form=form, supplier=None), 422 if form.errors else 200


@bp.route("/<int:supplier_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def edit(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = SupplierForm(obj=supplier if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(supplier.version)
        form.manual_criticality.data = supplier.criticality if supplier.criticality_is_manual else ""
        form.criticality_rationale.data = supplier.criticality_rationale if supplier.criticality_is_manual else ""
    if form.validate_on_submit():
        try:
            services.update_supplier(
                supplier, _input_from(form), expected_version=int(form.version.data or 0), by=current_user
            )
        except StaleEdit:
            db.session.rollback()
            raise
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("suppliers/form.html", form=form, supplier=supplier), 422
        db.session.commit()
        flash("Supplier saved.", "success")
        return redirect(url_for("suppliers.detail", supplier_id=supplier.id))
    return render_template("suppliers/form.html", form=form, supplier=supplier), 422 if form.errors else 200


def _status_form(supplier: Supplier) -> StatusChangeForm:
    form = StatusChangeForm()
    allowed = services.available_actions(supplier)
    form.action.choices = [(name, STATUS_ACTION_LABELS[name]) for name in allowed]
    return form


def _render_detail(supplier: Supplier, status: int = 200, **forms: Any) -> Any:
    loaded = db.session.scalars(
        select(Supplier).where(Supplier.id == supplier.id).options(
            selectinload(Supplier.contacts), selectinload(Supplier.certificates).selectinload(Certificate.evidence_file),
            selectinload(Supplier.certificates).selectinload(Certificate.voided_by),
            selectinload(Supplier.performance_events), selectinload(Supplier.purchases),
            selectinload(Supplier.approved_by),
        )
    ).one()
    context = {
        "contact_form": forms.get("contact_form") or ContactForm(formdata=None),
        "certificate_form": forms.get("certificate_form") or CertificateForm(formdata=None),
        "event_form": forms.get("event_form") or PerformanceEventForm(formdata=None),
        "status_form": forms.get("status_form") or _status_form(supplier),
    }
    return render_template(
        "suppliers/detail.html", supplier=loaded, sign_target=services.sign_target(loaded),
        today=services.today(), cert_warn_days=int(current_app.config["CERTIFICATE_EXPIRY_WARN_DAYS"]),
        warn_days=_warn_days(), certificate_state=rules.certificate_state, due_state=rules.due_state,
        can_edit=policies.can_edit_suppliers(current_user), can_decide=policies.can_decide(current_user),
        can_purchase=current_user.has(Permission.PURCHASES_EDIT) and supplier.status in APPROVED_STATUSES,
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
    if not form.validate_on_submit():
        return _render_detail(supplier, 422, contact_form=form)
    services.add_contact(supplier, name=form.name.data or "", email=form.email.data or "", role=form.role.data or "",
                         by=current_user)
    db.session.commit()
    flash(f"Contact {form.name.data} added.", "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier.id, _anchor="contacts"))


@bp.route("/<int:supplier_id>/contacts/<int:contact_id>/remove", methods=["POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def contacts_remove(supplier_id: int, contact_id: int) -> Any:
    contact = db.get_or_404(SupplierContact, contact_id)
    if contact.supplier_id != supplier_id:
        abort(404)
    services.remove_contact(contact, by=current_user)
    db.session.commit()
    flash(f"Contact {contact.name} removed.", "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier_id, _anchor="contacts"))


@bp.route("/<int:supplier_id>/certificates", methods=["POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def certificates_add(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = CertificateForm()
    if not form.validate_on_submit():
        return _render_detail(supplier, 422, certificate_form=form)
    try:
        services.add_certificate(
            supplier, standard=form.standard.data or "", number=form.number.data or "", issuer=form.issuer.data or "",
            valid_until=form.valid_until.data, evidence=form.evidence.data, by=current_user,
        )
    except DomainError as error:
        db.session.rollback()
        form.evidence.errors = [error.message]
        return _render_detail(_supplier_or_404(supplier_id), 422, certificate_form=form)
    db.session.commit()
    flash("Certificate added.", "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier.id, _anchor="certificates"))


@bp.route("/<int:supplier_id>/certificates/<int:certificate_id>/evidence")
@permission_required(Permission.SUPPLIERS_READ)
def certificate_evidence(supplier_id: int, certificate_id: int) -> Any:
    certificate = db.get_or_404(Certificate, certificate_id)
    if certificate.supplier_id != supplier_id or certificate.evidence_file is None:
        abort(404)
    name = f"{certificate.supplier.code}-{certificate.standard}-{certificate.number}.{certificate.evidence_file.extension}"
    return send_stored(certificate.evidence_file, download_name=name)


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
    if not form.validate_on_submit():
        return _render_certificate(certificate, 422, edit_form=form)
    try:
        services.edit_certificate(
            certificate, expected_version=int(form.version.data or 0), number=form.number.data or "",
            issuer=form.issuer.data or "", valid_until=form.valid_until.data, evidence=form.evidence.data,
            by=current_user,
        )
    except Conflict:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        form.evidence.errors = [error.message]
        return _render_certificate(_certificate_or_404(supplier_id, certificate_id), 422, edit_form=form)
    db.session.commit()
    flash("Certificate saved.", "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier_id, _anchor="certificates"))


@bp.route("/<int:supplier_id>/certificates/<int:certificate_id>/void", methods=["POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def certificate_void(supplier_id: int, certificate_id: int) -> Any:
    certificate = _certificate_or_404(supplier_id, certificate_id)
    form = CertificateVoidForm()
    if not form.validate_on_submit():
        return _render_certificate(certificate, 422, void_form=form)
    try:
        services.void_certificate(
            certificate, expected_version=int(form.version.data or 0), reason=form.reason.data or "", by=current_user,
        )
    except Conflict:
        db.session.rollback()
        raise
    except DomainError as error:
        db.session.rollback()
        form.reason.errors = [error.message]
        return _render_certificate(_certificate_or_404(supplier_id, certificate_id), 422, void_form=form)
    db.session.commit()
    flash("Certificate voided; it stays on record with the reason.", "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier_id, _anchor="certificates"))


@bp.route("/<int:supplier_id>/events", methods=["POST"])
@permission_required(Permission.SUPPLIERS_EDIT)
def events_add(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = PerformanceEventForm()
    if not form.validate_on_submit():
        return _render_detail(supplier, 422, event_form=form)
    try:
        services.record_performance_event(
            supplier, occurred_on=form.occurred_on.data, type=form.type.data or "", severity=form.severity.data or "",
            reference=form.reference.data or "", description=form.description.data or "", by=current_user,
        )
    except DomainError as error:
        db.session.rollback()
        form.occurred_on.errors = [error.message]
        return _render_detail(_supplier_or_404(supplier_id), 422, event_form=form)
    db.session.commit()
    flash("Performance event recorded.", "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier.id, _anchor="performance"))


@bp.route("/<int:supplier_id>/status", methods=["POST"])
@permission_required(Permission.SUPPLIERS_DECIDE)
def status_change(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = _status_form(supplier)
    if not form.validate_on_submit():
        return _render_detail(supplier, 422, status_form=form)
    try:
        services.change_status(
            supplier, form.action.data or "", reason=form.reason.data or "", signer=current_user,
            password=form.password.data or "",
        )
    except DomainError as error:
        # A refused signature is audited (and counts as a failed password): keep that, change nothing else.
        if isinstance(error, SignatureRefused):
            db.session.commit()
        else:
            db.session.rollback()
        supplier = _supplier_or_404(supplier_id)
        form.password.errors = [error.message]
        return _render_detail(supplier, 422, status_form=form)
    db.session.commit()
    flash(f"{supplier.name} is now {supplier.status.replace('_', ' ')}; your signature was recorded.", "success")
    return redirect(url_for("suppliers.detail", supplier_id=supplier.id))


# --- Approved supplier list -----------------------------------------------------------------------


@bp.route("/approved")
@permission_required(Permission.SUPPLIERS_READ)
def approved_list() -> Any:
    filters = services.ApprovedFilters.from_args(request.args)
    page = paginate(services.approved_query(filters))
    return render_template(
        "suppliers/approved_list.html", page=page, rows=services.approved_rows(page.items), filters=filters,
        today=services.today(), cert_warn_days=int(current_app.config["CERTIFICATE_EXPIRY_WARN_DAYS"]),
        certificate_state=rules.certificate_state, approved_statuses=sorted(APPROVED_STATUSES), **_choices(),
    )


@bp.route("/approved/export.<fmt>")
@permission_required(Permission.SUPPLIERS_READ)
def approved_export(fmt: str) -> Any:
    if fmt not in exports.FORMATS:
        abort(404)
    filters = services.ApprovedFilters.from_args(request.args)
    suppliers = db.session.scalars(services.approved_query(filters)).all()
    rows = [row["cells"] for row in services.approved_rows(suppliers)]
    response = exports.download("approved_suppliers", fmt, services.ASL_COLUMNS, rows, **asdict(filters))
    db.session.commit()
    return response


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
    )


@bp.route("/<int:supplier_id>/purchases/new", methods=["GET", "POST"])
@permission_required(Permission.PURCHASES_EDIT)
def purchases_create(supplier_id: int) -> Any:
    supplier = _supplier_or_404(supplier_id)
    form = PurchaseForm()
    if form.validate_on_submit():
        try:
            purchase = services.create_purchase(supplier, _purchase_input(form), by=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("suppliers/purchase_form.html", form=form, supplier=supplier, purchase=None), 422
        db.session.commit()
        flash("Purchase record created as a draft. QA reviews its adequacy before it is sent.", "success")
        return redirect(url_for("suppliers.purchases_detail", purchase_id=purchase.id))
    if request.method == "GET" and supplier.status not in APPROVED_STATUSES:
        flash(f"{supplier.name} is not approved: purchases can only be placed with approved suppliers.", "warning")
    status = 422 if form.errors else 200
    return render_template("suppliers/purchase_form.html", form=form, supplier=supplier, purchase=None), status


@bp.route("/purchases/<int:purchase_id>/edit", methods=["GET", "POST"])
@permission_required(Permission.PURCHASES_EDIT)
def purchases_edit(purchase_id: int) -> Any:
    purchase = _purchase_or_404(purchase_id)
    form = PurchaseForm(obj=purchase if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(purchase.version)
    if form.validate_on_submit():
        try:
            services.update_purchase(
                purchase, _purchase_input(form), expected_version=int(form.version.data or 0), by=current_user
            )
        except StaleEdit:
            db.session.rollback()
            raise
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template(
                "suppliers/purchase_form.html", form=form, supplier=purchase.supplier, purchase=purchase
            ), 422
        db.session.commit()
        flash("Purchase record saved.", "success")
        return redirect(url_for("suppliers.purchases_detail", purchase_id=purchase.id))
    status = 422 if form.errors else 200
    return render_template(
        "suppliers/purchase_form.html", form=form, supplier=purchase.supplier, purchase=purchase
    ), status


def _render_purchase(purchase: PurchaseRecord, status: int = 200, **forms: Any) -> Any:
    review_form = forms.get("review_form") or signature_form(Meaning.APPROVED, formdata=None)
    return render_template(
        "suppliers/purchase_detail.html", purchase=purchase, sign_target=services.purchase_sign_target(purchase),
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
    if not form.validate_on_submit():
        return _render_purchase(purchase, 422, review_form=form)
    try:
        services.approve_purchase(purchase, signer=current_user, password=form.password.data or "",
                                  comment=form.comment.data or "")
    except DomainError as error:
        if isinstance(error, SignatureRefused):
            db.session.commit()
        else:
            db.session.rollback()
        form.password.errors = [error.message]
        return _render_purchase(_purchase_or_404(purchase_id), 422, review_form=form)
    db.session.commit()
    flash("Adequacy review signed: the purchase record may be sent.", "success")
    return redirect(url_for("suppliers.purchases_detail", purchase_id=purchase.id))


@bp.route("/purchases/<int:purchase_id>/send", methods=["POST"])
@permission_required(Permission.PURCHASES_EDIT)
def purchases_send(purchase_id: int) -> Any:
    purchase = _purchase_or_404(purchase_id)
    try:
        services.mark_purchase_sent(purchase, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Purchase record marked as sent.", "success")
    return redirect(url_for("suppliers.purchases_detail", purchase_id=purchase_id))


@bp.route("/purchases/<int:purchase_id>/verify", methods=["POST"])
@permission_required(Permission.PURCHASES_EDIT, Permission.PURCHASES_APPROVE)
def purchases_verify(purchase_id: int) -> Any:
    purchase = _purchase_or_404(purchase_id)
    form = ReceiptForm()
    if not form.validate_on_submit():
        return _render_purchase(purchase, 422, receipt_form=form)
    data = services.ReceiptInput(
        received_version=form.received_version.data or "", version_checked=bool(form.version_checked.data),
        checksum=form.checksum.data or "", checksum_checked=bool(form.checksum_checked.data),
        licence_checked=bool(form.licence_checked.data), installation_checked=bool(form.installation_checked.data),
        validation_reference=form.validation_reference.data or "", result=form.result.data or "",
        notes=form.notes.data or "",
    )
    try:
        services.verify_receipt(purchase, data, by=current_user)
    except DomainError as error:
        db.session.rollback()
        form.result.errors = [error.message]
        return _render_purchase(_purchase_or_404(purchase_id), 422, receipt_form=form)
    db.session.commit()
    flash(f"Receipt verified: {data.result}.", "success")
    return redirect(url_for("suppliers.purchases_detail", purchase_id=purchase_id))
