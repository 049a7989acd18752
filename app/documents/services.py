"""Generating documents into the register, and managing custom templates."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.db import utcnow
from app.documents import contexts, control, pdf, policies, render
from app.documents.contexts.base import manifestation_row, record_signatures
from app.documents.models import DocumentTemplate, GeneratedDocument, TemplateStatus
from app.documents.variables import DOCUMENT_TYPES, UnknownDocumentTypeError, example_context, require_document_type
from app.documents.zipcheck import TemplateRefused
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.signatures.models import Meaning, Signature
from app.signatures.services import Manifestation, SignTarget, check, content_hash, manifestations, sign

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def check_type(doc_type: str) -> None:
    """Refuse an unknown document type with a clear message."""
    try:
        require_document_type(doc_type)
    except UnknownDocumentTypeError as error:
        raise NotFound(f"Unknown document type {doc_type!r}.") from error


def active_template(doc_type: str) -> DocumentTemplate | None:
    """The company's active template for the type, or None (the default template is used)."""
    query = select(DocumentTemplate).where(
        DocumentTemplate.doc_type == doc_type, DocumentTemplate.status == TemplateStatus.ACTIVE
    )
    return db.session.scalar(query.order_by(DocumentTemplate.template_version.desc()).limit(1))


def build_context(
    doc_type: str, source: contexts.Source, *, number: str, revision: int, by_name: str,
    history: Sequence[GeneratedDocument] = (), reason: str = "First issue",
) -> dict[str, Any]:
    """The full context: the common header and document-control variables plus the type's own variables."""
    now = utcnow()
    date = now.strftime("%Y-%m-%d")
    return {
        "document": {
            "title": DOCUMENT_TYPES[doc_type] if not source.title else source.title,
            "number": number,
            "revision": str(revision),
            "date": date,
            "generated_at": now.strftime("%Y-%m-%d %H:%M UTC"),
            "generated_by": by_name,
        },
        "draft": not source.approved,
        "signatures": source.signatures,
        "company": {"name": current_app.config["COMPANY_NAME"]},
        "procedure": control.procedure_for(doc_type),
        "revisions": control.revision_rows(
            history, {"revision": str(revision), "date": date, "author": by_name, "reason": reason}
        ),
        "control": control.control_block(source.signatures, prepared_by=by_name, prepared_at=date,
                                         author=source.author),
        **source.variables,
    }


@dataclass(frozen=True)
class RenderedDocument:
    """A record rendered into Word, not yet in the register: what `store_document` keeps. When the content and
    template are those of the latest revision, nothing was rendered and `unchanged` names that revision."""

    doc_type: str
    requested_id: str  # the source id as asked for ("current"), to render again when a revision was stored since
    source: contexts.Source
    last_id: int | None  # the latest revision when it was rendered
    unchanged: bool
    digest: str
    number: str
    revision: int
    reason: str
    context: dict[str, Any]
    data: bytes
    template: DocumentTemplate | None
    by_name: str


def render_document(doc_type: str, source_id: str, *, by: User | None, reason: str = "") -> RenderedDocument:
    """Render a record into Word with the active template (or the default), as its next revision when its content
    changed. It only reads, so the page and the CLI run it in a read-only transaction: on SQLite no writer waits
    for the rendering."""
    check_type(doc_type)
    try:
        source = contexts.build(doc_type, source_id)
    except contexts.SourceNotFound as error:
        raise NotFound(str(error)) from error
    template = active_template(doc_type)
    template_key = (template.id if template else None, str(template.template_version) if template else "default")
    probe = {"draft": not source.approved, "signatures": source.signatures, **source.variables}
    digest = content_hash(control.hashed_content(probe, source.volatile))
    last = control.latest(doc_type, source.source_id)
    by_name = by.full_name if by is not None else "system"
    if last is not None and last.content_hash == digest and (last.template_id, last.template_version) == template_key:
        return RenderedDocument(doc_type, source_id, source, last.id, True, digest, last.number, last.revision,
                                last.note or "", {}, b"", template, by_name)
    if last is None:
        number, revision, reason = control.new_number(doc_type, source.number_prefix, source.number_key), 1, "First issue"
    else:
        previous = control.hashed_content(last.context or {}, source.volatile) if last.context else None
        changed = control.what_changed(previous, control.hashed_content(probe, source.volatile))
        if (last.template_id, last.template_version) != template_key and changed == "Template changed":
            changed = f"Template changed to {template.name if template else 'the default'}"
        number, revision, reason = last.number, last.revision + 1, f"{reason}. {changed}" if reason else changed
    history = control.history_of(doc_type, source.source_id)
    context = build_context(doc_type, source, number=number, revision=revision, by_name=by_name,
                            history=history, reason=reason)
    data = _render(doc_type, template, context)
    return RenderedDocument(doc_type, source_id, source, last.id if last else None, False, digest, number, revision,
                            reason, context, data, template, by_name)


def store_document(rendered: RenderedDocument, *, by: User | None) -> GeneratedDocument:
    """Keep a rendered document in the register as the record's next revision, bound to the content it shows; the
    same content gives back the latest revision. When another revision was stored since it was rendered, it is
    rendered again against that one."""
    last = control.latest(rendered.doc_type, rendered.source.source_id)
    if (last.id if last else None) != rendered.last_id:
        rendered = render_document(rendered.doc_type, rendered.requested_id, by=by)
    if rendered.unchanged:
        assert last is not None  # unchanged means the latest revision shows this content
        return last
    source, template, number, revision = rendered.source, rendered.template, rendered.number, rendered.revision
    document = GeneratedDocument(
        doc_type=rendered.doc_type,
        number=number,
        revision=revision,
        title=rendered.context["document"]["title"],
        source_type=source.source_type,
        source_id=source.source_id,
        source_version=source.version,
        content_hash=rendered.digest,
        draft=not source.approved,
        template_id=template.id if template else None,
        template_name=template.name if template else "default",
        template_version=str(template.template_version) if template else "default",
        filename=f"{number}-rev{revision}.docx",
        sha256=hashlib.sha256(rendered.data).hexdigest(),
        size=len(rendered.data),
        data=rendered.data,
        created_by_id=by.id if by is not None else None,
        created_by_name=rendered.by_name,
        note=rendered.reason,
        context=rendered.context,
        signed_by=signed_by_text(source.signatures),
    )
    db.session.add(document)
    db.session.flush()
    audit.record("document.generated", document, doc_type=rendered.doc_type, source=source.source_id,
                 sha256=document.sha256)
    return document


def generate(doc_type: str, source_id: str, *, by: User | None, reason: str = "") -> GeneratedDocument:
    """Render a record into Word with the active template (or the default) and store it in the register.

    A new revision only when the content changed: the same content (variables, signatures, draft state) with the
    same template gives back the latest revision, file and all. A new revision keeps the record's number and
    says what changed in the revision history."""
    return store_document(render_document(doc_type, source_id, by=by, reason=reason), by=by)


def _render(doc_type: str, template: DocumentTemplate | None, context: dict[str, Any]) -> bytes:
    """The .docx of a context with a company template (in the limited child process) or the default one."""
    try:
        if template is None:
            return render.render_default(doc_type, context)
        return render.render_uploaded(
            doc_type, template.data, context,
            timeout_s=current_app.config["DOCUMENT_RENDER_TIMEOUT_S"],
            memory_mb=current_app.config["DOCUMENT_RENDER_MEMORY_MB"],
        )
    except (render.RenderFailed, TemplateRefused) as error:
        raise ValidationFailed(f"The document could not be generated: {getattr(error, 'message', error)}") from error


def signed_by_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """Who signed, as a file prints it: "Quinn Quality (Approved, 2026-11-20 16:04:41 UTC); ..."."""
    return "; ".join(f"{row['printed_name']} ({row['meaning']}, {row['signed_at']})" for row in rows)


class TemplateRejected(ValidationFailed):
    """An uploaded template failed the check; `check` holds every problem and the variables it uses."""

    def __init__(self, check: render.TemplateCheck) -> None:
        super().__init__("The template was refused: " + " ".join(check.problems))
        self.check = check


def check_template(doc_type: str, data: bytes) -> render.TemplateCheck:
    """Check an uploaded template in the limited child process (the configured render limits)."""
    check_type(doc_type)
    return render.check_template(
        doc_type, data,
        timeout_s=current_app.config["DOCUMENT_RENDER_TIMEOUT_S"],
        memory_mb=current_app.config["DOCUMENT_RENDER_MEMORY_MB"],
    )


def upload_template(doc_type: str, *, name: str, filename: str, data: bytes, by: User) -> DocumentTemplate:
    """Store an uploaded template as a draft version after the safety and variable checks (TemplateRejected)."""
    check = check_template(doc_type, data)
    if not check.ok:
        raise TemplateRejected(check)
    latest = db.session.scalar(
        select(func.max(DocumentTemplate.template_version)).where(DocumentTemplate.doc_type == doc_type)
    )
    template = DocumentTemplate(
        doc_type=doc_type,
        name=name.strip() or filename,
        template_version=int(latest or 0) + 1,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        data=data,
        variables_used=sorted(check.used),
        uploaded_by_id=by.id,
    )
    db.session.add(template)
    db.session.flush()
    return template


def template_sign_target(template: DocumentTemplate) -> SignTarget:
    """A template is signed by its file hash: the exact bytes that will print records."""
    return SignTarget(
        entity_type="document_template",
        entity_id=str(template.id),
        version=template.template_version,
        content={"doc_type": template.doc_type, "sha256": template.sha256, "version": template.template_version},
    )


def activate_template(template: DocumentTemplate, *, signer: User, password: str, comment: str = "") -> None:
    """Activate a draft template with a signature; the previously active one is retired."""
    if template.status != TemplateStatus.DRAFT:
        raise Conflict("Only a draft template can be activated.")
    sign(template_sign_target(template), signer, password=password, meaning=Meaning.APPROVED, comment=comment)
    current = active_template(template.doc_type)
    if current is not None:
        current.status = TemplateStatus.RETIRED
    template.status = TemplateStatus.ACTIVE
    template.activated_at = utcnow()
    audit.record("document_template.activated", template)


def retire_template(template: DocumentTemplate) -> None:
    """Stop using a template; the default (or another active version) takes over."""
    if template.status == TemplateStatus.RETIRED:
        raise Conflict("The template is already retired.")
    template.status = TemplateStatus.RETIRED


def preview(template: DocumentTemplate) -> bytes:
    """The template filled with demo data, rendered in the sandboxed child process."""
    try:
        return render.render_uploaded(
            template.doc_type, template.data, example_context(template.doc_type),
            timeout_s=current_app.config["DOCUMENT_RENDER_TIMEOUT_S"],
            memory_mb=current_app.config["DOCUMENT_RENDER_MEMORY_MB"],
        )
    except (render.RenderFailed, TemplateRefused) as error:
        raise ValidationFailed(f"The preview failed: {getattr(error, 'message', error)}") from error


# --- Signing a generated document ----------------------------------------------------------------

DOCUMENT_ENTITY = "generated_document"


def archive_pdf(document: GeneratedDocument) -> bytes:
    """The document's PDF/A-2b for the archive: made once from the file a reader gets (the signed copy when there
    is one) and kept in the register with its sha256, so every later request gives the same bytes."""
    if document.pdf_data is not None:
        return document.pdf_data
    source = document.signed_data if document.signed_data is not None else document.data
    try:
        data = pdf.docx_to_pdf(source, timeout_s=current_app.config["PDF_TIMEOUT_S"])
    except pdf.PdfConversionError as error:
        raise ValidationFailed(f"The PDF could not be made: {error}") from error
    document.pdf_data, document.pdf_sha256, document.pdf_size = data, hashlib.sha256(data).hexdigest(), len(data)
    db.session.flush()
    audit.record("document.pdf_archived", document, sha256=document.pdf_sha256, format="PDF/A-2b")
    return data


def document_sign_target(document: GeneratedDocument, data: bytes | None = None) -> SignTarget:
    """A generated document is signed by the sha256 of its stored bytes (recomputed, not the recorded column)."""
    return SignTarget(
        entity_type=DOCUMENT_ENTITY,
        entity_id=str(document.id),
        version=document.revision,
        content={
            "sha256": hashlib.sha256(document.data if data is None else data).hexdigest(),
            "number": document.number,
            "revision": document.revision,
            "doc_type": document.doc_type,
            "source_type": document.source_type,
            "source_id": document.source_id,
            "content_hash": document.content_hash,
        },
        author_ids=frozenset({document.created_by_id}) if document.created_by_id is not None else frozenset(),
    )


def approve_document(document: GeneratedDocument, *, signer: User, password: str, comment: str = "") -> Signature:
    """QA approves a non-draft document once; the generator cannot approve it; the file itself is not changed."""
    if not policies.can_approve_document(signer):
        raise PermissionDenied("Only QA approves generated documents.")
    if document.draft:
        raise Conflict(
            "A draft document cannot be approved: approve the record it was made from, then generate it again."
        )
    # One approval however many QA sessions send it at once: the document's row is locked before the check, so a
    # second approver waits and then finds the first approval (PostgreSQL signed it four times; SQLite's write lock
    # already serialises).
    db.session.execute(select(GeneratedDocument.id).where(GeneratedDocument.id == document.id).with_for_update())
    target = document_sign_target(document)
    if any(m.meaning == Meaning.APPROVED and m.version == target.version for m in manifestations(target)):
        raise Conflict("This document is already approved.")
    signature = sign(target, signer, password=password, meaning=Meaning.APPROVED, comment=comment)
    audit.record(
        "document.approved", document, signature_id=signature.id, meaning=Meaning.APPROVED,
        sha256=target.content["sha256"],
    )
    issue_signed_copy(document)
    return signature


def issue_signed_copy(document: GeneratedDocument) -> None:
    """Re-issue an approved document with its own signatures printed in the signature block (21 CFR 11.50):
    the same context and template, the record's signatures followed by the document's. The approved file
    (`data`, whose sha256 the signature binds) stays as it is; the copy is what a reader gets."""
    if document.context is None:
        return  # generated before contexts were kept: the approval shows on the document page only
    record = f"{document.title}, {document.number} rev {document.revision} (file sha256 {document.sha256})"
    own = [manifestation_row(signature, record) for signature in record_signatures(DOCUMENT_ENTITY, document.id)]
    signatures = [*document.context["signatures"], *own]
    prepared = (document.context.get("control") or {}).get("prepared") or {}
    author = (prepared["name"], prepared["date"]) if prepared.get("meaning") == control.AUTHOR_NOT_SIGNED else None
    context = {
        **document.context, "signatures": signatures, "draft": False,
        "control": control.control_block(
            signatures, prepared_by=document.created_by_name, prepared_at=document.created_at.strftime("%Y-%m-%d"),
            author=author,
        ),
    }
    template = db.session.get(DocumentTemplate, document.template_id) if document.template_id is not None else None
    data = _render(document.doc_type, template, context)
    document.signed_data = data
    document.signed_sha256 = hashlib.sha256(data).hexdigest()
    document.signed_size = len(data)
    document.signed_at = utcnow()
    document.signed_by = signed_by_text(context["signatures"])
    # The archive PDF is made again from the signed copy on its next request.
    document.pdf_data, document.pdf_sha256, document.pdf_size = None, None, None
    db.session.flush()
    audit.record("document.signed_copy_issued", document, sha256=document.signed_sha256, signatures=len(own))


def approvals_by_document(documents: Sequence[GeneratedDocument]) -> dict[int, list[Manifestation]]:
    """The approval manifestations of a page of documents in one query, each checked against the stored bytes."""
    ids = [str(document.id) for document in documents]
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Signature)
        .where(Signature.entity_type == DOCUMENT_ENTITY, Signature.entity_id.in_(ids),
               Signature.meaning == Meaning.APPROVED)
        .order_by(Signature.signed_at, Signature.id)
    )
    by_id: dict[str, list[Signature]] = {}
    for signature in rows:
        by_id.setdefault(signature.entity_id, []).append(signature)
    signed_ids = [int(entity_id) for entity_id in by_id]
    stored: dict[int, bytes] = {
        row.id: row.data
        for row in db.session.execute(
            select(GeneratedDocument.id, GeneratedDocument.data).where(GeneratedDocument.id.in_(signed_ids))
        )
    } if signed_ids else {}
    result: dict[int, list[Manifestation]] = {}
    for document in documents:
        signatures = by_id.get(str(document.id))
        if not signatures:
            continue
        result[document.id] = check(document_sign_target(document, stored[document.id]), signatures)
    return result
