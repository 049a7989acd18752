"""The document register, generation ('Word' buttons), PDF conversion and custom templates."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from app import unit_of_work
from app.access import Permission, permission_required
from app.audit import services as audit
from app.audit.models import AuditAction
from app.documents import control, pdf, policies, services
from app.documents.forms import GenerateForm, ProcedureForm, TemplateUploadForm
from app.documents.models import DocumentTemplate, GeneratedDocument, TemplateStatus
from app.documents.variables import DOCUMENT_TYPES, variables_for
from app.extensions import db
from app.pagination import paginate
from app.signatures.forms import signature_form
from app.signatures.models import Meaning

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.app_context_processor
def _pdf_available() -> dict[str, Any]:
    """Record pages show the PDF button only when LibreOffice can convert."""
    return {"pdf_available": lambda: pdf.soffice_path() is not None}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/")
@permission_required(Permission.DOCUMENTS_READ)
def register() -> Any:
    query = select(GeneratedDocument).order_by(GeneratedDocument.id.desc())
    args = request.args
    if args.get("doc_type"):
        query = query.where(GeneratedDocument.doc_type == args["doc_type"])
    if args.get("q"):
        pattern = f"%{args['q'].strip()}%"
        query = query.where(GeneratedDocument.number.ilike(pattern) | GeneratedDocument.source_id.ilike(pattern))
    if args.get("created_by"):
        query = query.where(GeneratedDocument.created_by_name.ilike(f"%{args['created_by'].strip()}%"))
    if start := _date(args.get("date_from")):
        query = query.where(GeneratedDocument.created_at >= datetime.combine(start, datetime.min.time()))
    if end := _date(args.get("date_to")):
        query = query.where(GeneratedDocument.created_at <= datetime.combine(end, datetime.max.time()))  # 9999-12-31 too
    page = paginate(query)
    return render_template(
        "documents/register.html", page=page, filters=args, types=DOCUMENT_TYPES,
        approvals=services.approvals_by_document(page.items),
    )


@bp.route("/<int:document_id>")
@permission_required(Permission.DOCUMENTS_READ)
def detail(document_id: int) -> Any:
    document = db.get_or_404(GeneratedDocument, document_id)
    target = services.document_sign_target(document)
    return render_template(
        "documents/detail.html", document=document, target=target, approval_form=signature_form(Meaning.APPROVED),
        types=DOCUMENT_TYPES, approvals=services.approvals_by_document([document]).get(document.id, []),
        can_approve=policies.can_approve_document(current_user),
    )


@bp.route("/<int:document_id>/approve", methods=["POST"])
@permission_required(Permission.SUPPLIERS_DECIDE)
def approve(document_id: int) -> Any:
    document = db.get_or_404(GeneratedDocument, document_id)
    _sign(partial(services.approve_document, document),
          "Document approved. The file is unchanged; the signature is bound to its sha256.")
    return redirect(url_for("documents.detail", document_id=document_id))


def _sign(action: Callable[..., object], done: str) -> None:
    """Sign with the password as `action(signer=, password=, comment=)`; a refused signature still counts toward lockout."""
    form = signature_form(Meaning.APPROVED)
    if not form.validate_on_submit():
        flash("Enter your password to sign.", "error")
    elif unit_of_work.run(lambda: action(signer=current_user, password=form.password.data or "",
                                         comment=form.comment.data or "")).ok:
        flash(done, "success")


def _send(data: bytes, filename: str, mimetype: str) -> Any:
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename)


@bp.route("/generate", methods=["POST"])
@permission_required(Permission.DOCUMENTS_GENERATE)
def generate() -> Any:
    form = GenerateForm()
    if not form.validate_on_submit():
        abort(400)
    # Rendering only reads (and may take seconds): it runs without the write lock, storing is a short write.
    rendered = unit_of_work.run(
        lambda: services.render_document(form.doc_type.data or "", form.source_id.data or "", by=current_user),
        reads_only=True,
    ).value
    # Storing is idempotent (a new revision only when the content changed): a second click gets the same document.
    document = (unit_of_work.run(lambda: services.store_document(rendered, by=current_user), once=False).value
                if rendered else None)
    if document is None:
        return redirect(request.referrer or url_for("documents.register"))
    if form.format.data == "pdf":
        return redirect(url_for("documents.download_pdf", document_id=document.id))
    if form.format.data == "record":
        flash(f"{document.number} rev {document.revision} is in the register (a new revision only when the content "
              "changed). QA approves it here with a signature.", "success")
        return redirect(url_for("documents.detail", document_id=document.id))
    return _send(document.data, document.filename, services.DOCX_MIME)


@bp.route("/<int:document_id>/download")
@permission_required(Permission.DOCUMENTS_READ)
def download(document_id: int) -> Any:
    document = db.get_or_404(GeneratedDocument, document_id)
    _record_download(document, "docx")
    return _send(document.data, document.filename, services.DOCX_MIME)


@bp.route("/<int:document_id>/signed")
@permission_required(Permission.DOCUMENTS_READ)
def download_signed(document_id: int) -> Any:
    document = db.get_or_404(GeneratedDocument, document_id)
    if document.signed_data is None:
        abort(404)
    _record_download(document, "signed docx")
    return _send(document.signed_data, document.signed_filename, services.DOCX_MIME)


@bp.route("/<int:document_id>/pdf")
@permission_required(Permission.DOCUMENTS_READ)
def download_pdf(document_id: int) -> Any:
    document = db.get_or_404(GeneratedDocument, document_id)
    if pdf.soffice_path() is None:
        abort(404)
    # A reader gets the signed copy when there is one; the PDF/A is kept in the register with its sha256.
    data = unit_of_work.run(lambda: services.archive_pdf(document)).value
    if data is None:
        return redirect(url_for("documents.detail", document_id=document_id))
    _record_download(document, "pdf")
    return _send(data, document.filename.removesuffix(".docx") + ".pdf", "application/pdf")


def _record_download(document: GeneratedDocument, fmt: str) -> None:
    """Every download of a controlled document is in the audit trail."""
    unit_of_work.run(lambda: audit.record("document.downloaded", document, action=AuditAction.EXPORT, format=fmt))


# --- Custom templates ----------------------------------------------------------------------------


@bp.route("/templates")
@permission_required(Permission.TEMPLATES_MANAGE)
def templates_list() -> Any:
    return _templates_page()


def _templates_page(refused: ProcedureForm | None = None, refused_type: str = "") -> Any:
    """The templates page with the governing procedures; a refused procedure form is shown with its message (422)."""
    templates = list(
        db.session.scalars(select(DocumentTemplate).order_by(DocumentTemplate.doc_type, DocumentTemplate.template_version.desc()))
    )
    active = {t.doc_type: t for t in templates if t.status == TemplateStatus.ACTIVE}
    procedures = control.procedures()
    forms = {
        key: ProcedureForm(prefix=key, reference=procedures[key].reference if key in procedures else "",
                           title=procedures[key].title if key in procedures else "")
        for key in DOCUMENT_TYPES
    }
    if refused is not None:
        forms[refused_type] = refused
    page = render_template("documents/templates_list.html", templates=templates, types=DOCUMENT_TYPES, active=active,
                           procedure_forms=forms)
    return page, (422 if refused is not None else 200)


@bp.route("/procedures/<doc_type>", methods=["POST"])
@permission_required(Permission.TEMPLATES_MANAGE)
def procedures_save(doc_type: str) -> Any:
    if doc_type not in DOCUMENT_TYPES:
        abort(404)
    form = ProcedureForm(prefix=doc_type)
    if not form.validate_on_submit():
        return _templates_page(form, doc_type)
    if unit_of_work.run(lambda: control.set_procedure(
        doc_type, form.reference.data or "", form.title.data or "", by=current_user,
    )).ok:
        flash(f"Governing procedure of the {DOCUMENT_TYPES[doc_type].lower()} saved; new revisions print it.", "success")
    return redirect(url_for("documents.templates_list", _anchor="procedures"))


@bp.route("/templates/new", methods=["GET", "POST"])
@permission_required(Permission.TEMPLATES_MANAGE)
def templates_create() -> Any:
    form = TemplateUploadForm(doc_type=request.args.get("doc_type") or None)
    problems: list[str] = []
    used: list[str] = []
    outcome = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
        if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
            problems = ["The file is larger than the upload limit."]
        else:
            # The service checks the template in the limited child process, never in this web worker.
            outcome = unit_of_work.run(lambda: services.upload_template(
                form.doc_type.data, name=form.name.data or "", filename=upload.filename or "template.docx",
                data=data, by=current_user,
            ), flash_error=False)
            if (template := outcome.value) is not None:
                flash("Template uploaded as a draft. Check the preview, then activate it with your signature.",
                      "success")
                return redirect(url_for("documents.templates_detail", template_id=template.id))
            if isinstance(outcome.error, services.TemplateRejected):
                used = sorted(outcome.error.check.used)
                problems = list(outcome.error.check.problems)
            elif outcome.error is not None:
                problems = [outcome.error.message]
    # A type that is none of ours (the select refused it) shows the first type's variables beside the form's error.
    doc_type = form.doc_type.data if form.doc_type.data in DOCUMENT_TYPES else next(iter(DOCUMENT_TYPES))
    return render_template(
        "documents/templates_create.html", form=form, problems=problems, used=used,
        variables=variables_for(doc_type), doc_type=doc_type, types=DOCUMENT_TYPES,
    ), (422 if problems else unit_of_work.form_status(form, outcome))


@bp.route("/templates/<int:template_id>", methods=["GET"])
@permission_required(Permission.TEMPLATES_MANAGE)
def templates_detail(template_id: int) -> Any:
    template = db.get_or_404(DocumentTemplate, template_id)
    form = signature_form(Meaning.APPROVED)
    return render_template(
        "documents/templates_detail.html", template=template, activation_form=form,
        variables=variables_for(template.doc_type), target=services.template_sign_target(template),
        types=DOCUMENT_TYPES,
    )


@bp.route("/templates/<int:template_id>/activate", methods=["POST"])
@permission_required(Permission.TEMPLATES_MANAGE)
def templates_activate(template_id: int) -> Any:
    template = db.get_or_404(DocumentTemplate, template_id)
    _sign(partial(services.activate_template, template), "Template activated: new documents of this type use it.")
    return redirect(url_for("documents.templates_detail", template_id=template.id))


@bp.route("/templates/<int:template_id>/retire", methods=["POST"])
@permission_required(Permission.TEMPLATES_MANAGE)
def templates_retire(template_id: int) -> Any:
    template = db.get_or_404(DocumentTemplate, template_id)
    if unit_of_work.run(lambda: services.retire_template(template)).ok:
        flash("Template retired; the default template is used unless another version is active.", "success")
    return redirect(url_for("documents.templates_detail", template_id=template.id))


@bp.route("/templates/<int:template_id>/preview")
@permission_required(Permission.TEMPLATES_MANAGE)
def templates_preview(template_id: int) -> Any:
    template = db.get_or_404(DocumentTemplate, template_id)
    data = unit_of_work.run(lambda: services.preview(template)).value
    if data is None:
        return redirect(url_for("documents.templates_detail", template_id=template.id))
    unit_of_work.run(lambda: audit.record("document_template.previewed", template, action=AuditAction.EXPORT))
    return _send(data, f"preview-{template.doc_type}-v{template.template_version}.docx", services.DOCX_MIME)


@bp.route("/templates/<int:template_id>/download")
@permission_required(Permission.TEMPLATES_MANAGE)
def templates_download(template_id: int) -> Any:
    template = db.get_or_404(DocumentTemplate, template_id)
    unit_of_work.run(lambda: audit.record("document_template.downloaded", template, action=AuditAction.EXPORT))
    return _send(template.data, f"{template.doc_type}-template-v{template.template_version}.docx", services.DOCX_MIME)
